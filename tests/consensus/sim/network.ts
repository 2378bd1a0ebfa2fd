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


/** Messages in flight beyond this are dropped, as a full socket buffer would. */
const IN_FLIGHT_MAX = 20_000;

/**
 * The simulated network: directed links with loss, duplication and delay (random delays
 * reorder), and a set of cut directed links, so partitions can be asymmetric.
 */
export class Network {
  /** Messages by the round they arrive in. */
  private readonly byRound = new Map<number, Message[]>();
  private inFlight = 0;
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
    if (this.random.chance(f.dropP) || this.inFlight >= IN_FLIGHT_MAX) {
      this.stats.dropped++;
      return;
    }
    const copies = this.random.chance(f.dupP) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let k = 0; k < copies; k++) {
      const delay = this.random.between(f.delayRoundsMin, f.delayRoundsMax);
      const at = nowRound + delay;
      const bucket = this.byRound.get(at);
      if (bucket) bucket.push(message);
      else this.byRound.set(at, [message]);
      this.inFlight++;
    }
  }

  /** Messages due by this round, in a random order; a cut link loses them at delivery time. */
  due(nowRound: number): Message[] {
    const due: Message[] = [];
    for (const [at, bucket] of this.byRound) {
      if (at > nowRound) continue;
      due.push(...bucket);
      this.byRound.delete(at);
    }
    this.inFlight -= due.length;
    for (let i = due.length - 1; i > 0; i--) {
      const j = this.random.intBelow(i + 1);
      [due[i], due[j]] = [due[j]!, due[i]!];
    }
    const out: Message[] = [];
    for (const message of due) {
      if (this.isCut(message.from, message.to)) this.stats.dropped++;
      else out.push(message);
    }
    this.stats.delivered += out.length;
    return out;
  }

  inFlightCount(): number {
    return this.inFlight;
  }
}
