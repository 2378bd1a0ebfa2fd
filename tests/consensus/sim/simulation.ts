import { bootstrapState, MemoryStorage, RaftError, type ConfChange, type Message, type RaftOptions } from '../../../consensus/raft/index.ts';
import { isInvariantViolation } from '../../../consensus/invariant.ts';
import { SafetyChecker, SafetyViolation } from './checkers.ts';
import { encodeCommand } from './kv.ts';
import { Network } from './network.ts';
import { Prng } from './prng.ts';
import { SimNode } from './sim-node.ts';

export interface SimOptions {
  /** Rounds with faults; one round is about one tick of a node without drift. */
  faultRounds: number;
  /** Rounds after every fault is healed, within which a leader must emerge and a proposal commit. */
  healRounds: number;
  clients: number;
}

export const DEFAULT_SIM_OPTIONS: SimOptions = { faultRounds: 1500, healRounds: 400, clients: 3 };

export interface SimResult {
  seed: number;
  ok: boolean;
  failure?: string;
  stats: { rounds: number; leaders: number; applied: number; readsChecked: number; crashes: number; confChanges: number; snapshotsSent: number; messages: Network['stats'] };
}

interface Client {
  id: string;
  ackedSeq: number;
  pending: { seq: number; sinceRound: number; target: string } | null;
}

const ELECTION_TICKS = 10;

/** One seeded run over the real Raft core: the same seed makes exactly the same run. */
export function runSimulation(seed: number, options: SimOptions = DEFAULT_SIM_OPTIONS): SimResult {
  return new Simulation(seed, options).run();
}

class Simulation {
  private readonly seed: number;
  private readonly options: SimOptions;
  private readonly random: Prng;
  private readonly net: Network;
  private readonly checker = new SafetyChecker();
  private readonly nodes = new Map<string, SimNode>();
  private readonly clients: Client[] = [];
  private readonly nodeOptions: Omit<RaftOptions, 'id'>;
  /** How stormy this seed's faults are: calm runs test progress, stormy ones the corner cases. */
  private readonly intensity: number;
  private round = 0;
  private spareCount = 0;
  private readCount = 0;
  private readonly stats = { readsChecked: 0, crashes: 0, confChanges: 0, snapshotsSent: 0 };

  constructor(seed: number, options: SimOptions) {
    this.seed = seed;
    this.options = options;
    this.random = new Prng(seed);
    this.net = new Network(this.random.fork());
    this.intensity = this.random.pick([0.5, 1, 2, 4]);
    this.nodeOptions = {
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: 2,
      preVote: this.random.chance(0.75),
      checkQuorum: this.random.chance(0.75),
      inflightMsgsMax: this.random.between(1, 8),
      msgSizeBytesMax: this.random.pick([1, 32, 512]),
      snapshotAckTicksMax: 30,
    };
    const voters = this.random.chance(0.5) ? ['n1', 'n2', 'n3'] : ['n1', 'n2', 'n3', 'n4', 'n5'];
    const boot = bootstrapState({ voters, learners: [] });
    for (const id of voters) {
      const storage = new MemoryStorage();
      storage.append(boot.entries);
      storage.setHardState(boot.hardState);
      this.addNode(id, storage);
    }
    for (let c = 0; c < options.clients; c++) this.clients.push({ id: `c${c}`, ackedSeq: 0, pending: null });
  }

  private addNode(id: string, storage: MemoryStorage): SimNode {
    const node = new SimNode(id, storage, this.nodeOptions, this.random.fork());
    this.nodes.set(id, node);
    return node;
  }

  run(): SimResult {
    try {
      for (; this.round < this.options.faultRounds; this.round++) {
        this.injectFaults();
        this.runRound();
      }
      this.healEverything();
      this.checkLiveness();
      return this.result(true);
    } catch (e) {
      if (e instanceof SafetyViolation) return this.result(false, e.message);
      if (isInvariantViolation(e)) return this.result(false, `core invariant: ${(e as Error).message} ${JSON.stringify((e as { details?: unknown }).details)}`);
      throw e;
    }
  }

  private result(ok: boolean, failure?: string): SimResult {
    return {
      seed: this.seed,
      ok,
      ...(failure === undefined ? {} : { failure: `${failure} (round ${this.round})` }),
      stats: { rounds: this.round, applied: this.checker.appliedMax, ...this.stats, leaders: this.checker.leaderTerms(), messages: { ...this.net.stats } },
    };
  }

  // --- one round: ticks, deliveries, readies, clients ---

  private runRound(clientsActive = true): void {
    for (const node of this.upNodes()) {
      for (let k = node.ticksThisRound(); k > 0; k--) this.input(node, () => node.raw!.tick());
    }
    for (const m of this.net.due(this.round)) {
      const node = this.nodes.get(m.to);
      if (node?.up) this.input(node, () => node.raw!.step(m));
    }
    for (const node of this.shuffled(this.upNodes())) {
      if (!node.raw!.hasReady()) continue;
      if (this.random.chance(0.1)) {
        // A slow disk: the Ready waits, and a crash meanwhile loses what it held. Heartbeats of the
        // durable term leave meanwhile, as the engine sends them while a write is in progress.
        for (const m of node.raw!.takeHeartbeats(node.storage.initialState().hardState.term)) this.send(m);
        continue;
      }
      for (const m of node.handleReady(this.checker)) this.send(m);
      for (const answer of node.answerReads()) this.checkRead(node.id, answer.read.seqAtLeast, answer.seq, answer.read.ctx);
    }
    if (clientsActive) this.runClients();
  }

  private input(node: SimNode, action: () => void): void {
    action();
    this.checker.afterStep(node.id, node.raw!);
  }

  private send(m: Message): void {
    if (m.type === 'snapshot') this.stats.snapshotsSent++;
    this.net.send(m, this.round);
  }

  private upNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.up);
  }

  private shuffled<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.random.intBelow(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.upNodes()) {
      const s = n.raw!.status();
      if (s.role === 'leader' && (!best || s.term > best.raw!.status().term)) best = n;
    }
    return best;
  }

  // --- clients: writes with retries, ReadIndex reads ---

  private runClients(): void {
    for (const client of this.clients) {
      if (client.pending && client.pending.seq <= client.ackedSeq) client.pending = null;
      if (!client.pending && this.random.chance(0.2)) client.pending = { seq: client.ackedSeq + 1, sinceRound: -Infinity, target: this.randomUpId() };
      if (client.pending && this.round - client.pending.sinceRound > 40) this.proposeFor(client);
      if (this.random.chance(0.05)) this.issueRead(client);
    }
  }

  private randomUpId(): string {
    const up = this.upNodes();
    return up.length > 0 ? this.random.pick(up).id : 'n1';
  }

  private proposeFor(client: Client): void {
    const pending = client.pending!;
    pending.sinceRound = this.round;
    const node = this.nodes.get(pending.target);
    if (!node?.up) {
      pending.target = this.randomUpId();
      return;
    }
    try {
      node.raw!.propose(encodeCommand({ client: client.id, seq: pending.seq }));
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      // Follow the redirect next time, or try someone else.
      pending.target = e.leaderId ?? this.randomUpId();
      pending.sinceRound = this.round - 40;
    }
  }

  private issueRead(client: Client): void {
    const node = this.nodes.get(this.randomUpId());
    if (!node?.up) return;
    const ctx = `read-${this.readCount++}`;
    try {
      node.raw!.readIndex(ctx);
      node.reads.push({ ctx, client: client.id, seqAtLeast: client.ackedSeq, index: null });
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
  }

  /** A write is acknowledged once applied anywhere (it was committed); every later read must see it. */
  private noteAcks(): void {
    for (const node of this.nodes.values()) {
      for (const client of this.clients) client.ackedSeq = Math.max(client.ackedSeq, node.machine.seqs.get(client.id) ?? 0);
    }
  }

  private checkRead(nodeId: string, seqAtLeast: number, seq: number, ctx: string): void {
    this.stats.readsChecked++;
    if (seq < seqAtLeast) throw new SafetyViolation('linearizable read', `${ctx} on ${nodeId} saw request ${seq}, older than acknowledged ${seqAtLeast}`);
  }

  // --- faults ---

  private injectFaults(): void {
    this.noteAcks();
    const r = this.random;
    const k = this.intensity;
    if (r.chance(0.01 * k)) this.changePartition();
    if (r.chance(0.004 * k)) this.crashOne();
    if (r.chance(0.02 * k)) this.restartOne();
    if (r.chance(0.005 * k)) this.changeLinkFaults();
    if (r.chance(0.004)) this.changeMembership();
    if (r.chance(0.003 * k)) {
      const n = r.pick([...this.nodes.values()]);
      n.tickRate = 0.5 + r.next();
    }
  }

  private changePartition(): void {
    const r = this.random;
    const ids = [...this.nodes.keys()];
    this.net.healPartitions();
    const kind = r.intBelow(5);
    if (kind === 0) return;
    const victim = r.pick(ids);
    if (kind === 1) {
      for (const other of ids) {
        this.net.cutLink(victim, other);
        this.net.cutLink(other, victim);
      }
    } else if (kind === 2) {
      // The victim hears everyone but nobody hears it.
      for (const other of ids) this.net.cutLink(victim, other);
    } else if (kind === 3) {
      // Everyone hears the victim but it hears nobody.
      for (const other of ids) this.net.cutLink(other, victim);
    } else {
      const side = new Set(ids.filter(() => r.chance(0.5)));
      for (const a of ids) for (const b of ids) if (side.has(a) !== side.has(b)) this.net.cutLink(a, b);
    }
  }

  private crashOne(): void {
    const up = this.upNodes();
    if (this.nodes.size - up.length >= 2 || up.length === 0) return;
    this.random.pick(up).crash(this.random.chance(0.5));
    this.stats.crashes++;
  }

  private restartOne(): void {
    const down = [...this.nodes.values()].filter((n) => !n.up);
    if (down.length > 0) this.random.pick(down).restart();
  }

  private changeLinkFaults(): void {
    const r = this.random;
    this.net.faults = { dropP: r.next() * 0.2, dupP: r.next() * 0.1, delayRoundsMin: 1, delayRoundsMax: r.between(1, 8) };
  }

  /** An operator's change through the current leader: add a learner, promote one, or remove a member. */
  private changeMembership(): void {
    const leader = this.leader();
    if (!leader) return;
    const conf = leader.raw!.status().conf;
    const r = this.random;
    let change: ConfChange;
    const choice = r.intBelow(3);
    if (choice === 0 && conf.learners.length < 2) {
      change = { type: 'add_learner', nodeId: `s${++this.spareCount}` };
    } else if (choice === 1 && conf.learners.length > 0 && conf.voters.length < 5) {
      change = { type: 'promote_learner', nodeId: r.pick(conf.learners) };
    } else if (choice === 2 && (conf.voters.length > 3 || conf.learners.length > 0)) {
      const candidates = conf.voters.length > 3 ? [...conf.voters, ...conf.learners] : [...conf.learners];
      change = { type: 'remove_node', nodeId: r.pick(candidates) };
    } else {
      return;
    }
    try {
      leader.raw!.proposeConfChange(change);
    } catch (e) {
      if (e instanceof RaftError) return;
      throw e;
    }
    this.stats.confChanges++;
    // A new member starts empty and learns everything from the leader.
    if (change.type === 'add_learner') this.addNode(change.nodeId, new MemoryStorage());
  }

  // --- the end: heal, then demand progress ---

  private healEverything(): void {
    this.net.healAll();
    for (const n of this.nodes.values()) {
      n.restart();
      n.tickRate = 1;
    }
  }

  private checkLiveness(): void {
    const end = this.round + this.options.healRounds;
    let proposed: { node: SimNode; index: number; term: number } | null = null;
    for (; this.round < end; this.round++) {
      this.runRound(false);
      const leader = this.leader();
      if (!leader) continue;
      const s = leader.raw!.status();
      if (proposed && (proposed.node !== leader || s.term !== proposed.term)) proposed = null;
      if (!proposed) {
        try {
          proposed = { node: leader, index: leader.raw!.propose(encodeCommand({ client: 'liveness', seq: 1 })), term: s.term };
        } catch (e) {
          if (!(e instanceof RaftError)) throw e;
        }
        continue;
      }
      const members = [...s.conf.voters, ...s.conf.learners];
      const everyoneApplied = members.every((id) => {
        const n = this.nodes.get(id);
        return n?.raw && n.raw.status().applied >= proposed!.index;
      });
      if (everyoneApplied) return;
    }
    const leader = this.leader();
    const detail = [...this.nodes.values()].map((n) => {
      const st = n.raw!.status();
      return `${n.id}:${st.role}/t${st.term}/c${st.commit}/a${st.applied}/l${st.lastIndex}/f${st.firstIndex}/v[${st.conf.voters}]/l[${st.conf.learners}]`;
    });
    const progress = leader ? [...leader.raw!.progress()].map(([id, p]) => `${id}:${p.state}/m${p.match}/n${p.next}/i${p.inflights}`) : [];
    throw new SafetyViolation('liveness', `${leader ? `leader ${leader.id} could not get a proposal applied by every member after healing` : 'no leader after healing'}; nodes ${detail.join(' ')}; progress ${progress.join(' ')}`);
  }
}
