import { bootstrapState, MemoryStorage, RawNode, type Entry, type Message, type RaftOptions, type ReadState } from '../../../consensus/raft/index.ts';
import { Prng } from '../sim/prng.ts';

interface HarnessNode {
  raw: RawNode;
  storage: MemoryStorage;
  applied: Entry[];
  readStates: ReadState[];
}

const nodeOptions = (id: string, options: Partial<RaftOptions>): RaftOptions => ({ electionTicks: 10, heartbeatTicks: 1, ...options, id });

/**
 * A perfect in-memory network for unit tests: readies are handled (persist, send, apply,
 * advance) and messages delivered in order until nothing moves, except what `drop` refuses.
 */
export class Harness {
  readonly nodes = new Map<string, HarnessNode>();
  private queue: Message[] = [];
  drop: (m: Message) => boolean = () => false;
  /** Every message delivered, for assertions on what was said. */
  readonly delivered: Message[] = [];

  constructor(voters: string[], learners: string[] = [], options: Partial<RaftOptions> = {}, seed = 1) {
    const random = new Prng(seed);
    for (const id of [...voters, ...learners]) {
      const storage = new MemoryStorage();
      const boot = bootstrapState({ voters, learners });
      storage.append(boot.entries);
      storage.setHardState(boot.hardState);
      this.nodes.set(id, { raw: new RawNode(storage, nodeOptions(id, options), random.fork()), storage, applied: [], readStates: [] });
    }
    // Apply the bootstrap membership so every test starts from a settled group.
    this.stabilize();
  }

  /** Adds a node that knows nothing yet (to join through a membership change). */
  addBlankNode(id: string, options: Partial<RaftOptions> = {}): void {
    const storage = new MemoryStorage();
    this.nodes.set(id, { raw: new RawNode(storage, nodeOptions(id, options), new Prng(id.length)), storage, applied: [], readStates: [] });
  }

  /** Rebuilds a node from its storage, as after a crash; `applied` is what its state machine kept. */
  restart(id: string, applied = 0): RawNode {
    const n = this.node(id);
    n.raw = new RawNode(n.storage, nodeOptions(id, { applied }), new Prng(id.length));
    return n.raw;
  }

  node(id: string): HarnessNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  raw(id: string): RawNode {
    return this.node(id).raw;
  }

  private handleReadies(): void {
    for (const n of this.nodes.values()) {
      while (n.raw.hasReady()) {
        const rd = n.raw.ready();
        if (rd.snapshot) {
          n.storage.applySnapshot(rd.snapshot);
          n.applied = [];
        }
        n.storage.append(rd.entries);
        if (rd.hardState) n.storage.setHardState(rd.hardState);
        this.queue.push(...rd.messages);
        n.applied.push(...rd.committedEntries);
        n.readStates.push(...rd.readStates);
        n.raw.advance(rd);
      }
    }
  }

  /** Delivers until quiet; bounded so a livelock fails the test instead of hanging it. */
  stabilize(messagesMax = 10_000): void {
    for (let k = 0; k < messagesMax; k++) {
      this.handleReadies();
      const m = this.queue.shift();
      if (!m) return;
      const to = this.nodes.get(m.to);
      if (!to || this.drop(m)) continue;
      this.delivered.push(m);
      to.raw.step(m);
    }
    throw new Error('harness did not stabilize');
  }

  tick(id: string, times = 1): void {
    for (let k = 0; k < times; k++) this.raw(id).tick();
  }

  /** Each round ticks the given nodes once and delivers until quiet. */
  rounds(count: number, ...ids: string[]): void {
    for (let k = 0; k < count; k++) {
      for (const id of ids) this.raw(id).tick();
      this.stabilize();
    }
  }

  /** Makes id campaign and settles; returns its role afterwards. */
  elect(id: string): string {
    this.raw(id).campaign();
    this.stabilize();
    return this.raw(id).status().role;
  }

  /** Cuts every link to and from the given nodes. */
  isolate(...ids: string[]): void {
    this.drop = (m) => ids.includes(m.from) || ids.includes(m.to);
  }

  heal(): void {
    this.drop = () => false;
  }

  leaderId(): string | undefined {
    return [...this.nodes.values()].map((n) => n.raw.status()).find((s) => s.role === 'leader')?.id;
  }

  propose(id: string, text: string): number {
    return this.raw(id).propose(new TextEncoder().encode(text));
  }

  /** The normal entries a node applied, as text (leaders' empty entries left out). */
  appliedTexts(id: string): string[] {
    return this.node(id)
      .applied.filter((e) => e.type === 'normal' && e.data.byteLength > 0)
      .map((e) => new TextDecoder().decode(e.data));
  }
}
