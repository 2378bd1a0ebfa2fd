import type { Message } from '../../../consensus/raft/index.ts';
import type { Prng } from './prng.ts';

/** How one direction of a link misbehaves. */
export interface LinkFaults {
  dropP: number;
  dupP: number;
  delayRoundsMin: number;
  delayRoundsMax: number;
}

export const PERFECT_LINK: LinkFaults = { dropP: 0, dupP: 0, delayRoundsMin: 1, delayRoundsMax: 1 };

interface InFlight {
  readonly deliverAtRound: number;
  readonly seq: number;
  readonly message: Message;
}

/** Messages in flight beyond this are dropped, as a full socket buffer would. */
const IN_FLIGHT_MAX = 20_000;

/**
 * The simulated network: directed links with loss, duplication and delay (random delays
 * reorder), and a set of cut directed links, so partitions can be asymmetric.
 */
export class Network {
  private inFlight: InFlight[] = [];
  private seq = 0;
  private readonly cut = new Set<string>();
  faults: LinkFaults = PERFECT_LINK;
  readonly linkFaults = new Map<string, LinkFaults>();
  stats = { sent: 0, dropped: 0, duplicated: 0, delivered: 0 };
  private readonly random: Prng;

  constructor(random: Prng) {
    this.random = random;
  }

  private static key(from: string, to: string): string {
    return `${from}>${to}`;
  }

  cutLink(from: string, to: string): void {
    this.cut.add(Network.key(from, to));
  }

  isCut(from: string, to: string): boolean {
    return this.cut.has(Network.key(from, to));
  }

  healAll(): void {
    this.cut.clear();
    this.linkFaults.clear();
    this.faults = PERFECT_LINK;
  }

  healPartitions(): void {
    this.cut.clear();
  }

  send(message: Message, nowRound: number): void {
    this.stats.sent++;
    const f = this.linkFaults.get(Network.key(message.from, message.to)) ?? this.faults;
    if (this.random.chance(f.dropP) || this.inFlight.length >= IN_FLIGHT_MAX) {
      this.stats.dropped++;
      return;
    }
    const copies = this.random.chance(f.dupP) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let k = 0; k < copies; k++) {
      const delay = this.random.between(f.delayRoundsMin, f.delayRoundsMax);
      this.inFlight.push({ deliverAtRound: nowRound + delay, seq: this.seq++, message });
    }
  }

  /** Messages due by this round, in a random order; a cut link loses them at delivery time. */
  due(nowRound: number): Message[] {
    const due: InFlight[] = [];
    const later: InFlight[] = [];
    for (const m of this.inFlight) (m.deliverAtRound <= nowRound ? due : later).push(m);
    this.inFlight = later;
    for (let i = due.length - 1; i > 0; i--) {
      const j = this.random.intBelow(i + 1);
      [due[i], due[j]] = [due[j]!, due[i]!];
    }
    const out: Message[] = [];
    for (const { message } of due) {
      if (this.isCut(message.from, message.to)) this.stats.dropped++;
      else out.push(message);
    }
    this.stats.delivered += out.length;
    return out;
  }

  inFlightCount(): number {
    return this.inFlight.length;
  }
}
