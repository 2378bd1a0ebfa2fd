/**
 * Durability under SIGKILL (issue 5, item 2), against a Raft group of real processes: while a
 * bounded writer keeps delivering events through one member, another member is killed with
 * SIGKILL at random moments and restarted from its own storage, a few times. At the end every
 * event the cluster acknowledged is in a block, every member holds the same block at every height,
 * no member's height ever went down, and the restarted members caught up.
 *
 * Storage: real Postgres (one schema per member) when TEST_DATABASE_URL is set, as in CI;
 * otherwise embedded PGlite (one directory per member). A failing run prints its seed;
 * CRASH_SEED=<seed> replays the same kill moments (the cluster's own timing still varies).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsensusStatus } from '../../../schemas/index.ts';
import { CLUSTER_TOKEN_HEADER, deliverEvents, startProcessCluster, type ProcessCluster } from '../../support/cluster-processes.ts';
import { TEST_DATABASE_URL } from '../../support/databases.ts';
import { weatherEvent } from '../fixtures.ts';

const LEADER_KILLS = 3;
const FOLLOWER_KILLS = 2;
/** A kill lands this long after the previous member is back (uniformly at random within it). */
const KILL_DELAY_MS_MIN = 200;
const KILL_DELAY_MS_MAX = 1_500;
const EVENTS_PER_DELIVERY = 5;
/** The writer's bound: deliveries (each retried until acknowledged or the writer stops) per test. */
const DELIVERIES_MAX = 400;
const DELIVERY_ATTEMPTS_MAX = 30;
const REQUEST_TIMEOUT_MS = 15_000;
const RETRY_PAUSE_MS = 100;
const MONITOR_EVERY_MS = 150;
const CONVERGE_TIMEOUT_MS = 60_000;
/** Process start-up (tsx, storage, keys) on a busy 2-core machine dominates these. */
const TEST_TIMEOUT_MS = 300_000;

const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = mulberry32(seed);
const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Acknowledged {
  height: number;
  txHash: string;
}

interface BlockReply {
  hash: string;
  header: { height: number };
  txHashes: string[];
}

/** Delivers fresh events through one member until stopped, recording what the cluster acknowledged. */
class Writer {
  readonly acknowledged = new Map<string, Acknowledged>();
  /** An event acknowledged twice with different places: must never happen. */
  readonly conflicts: string[] = [];
  private stopped = false;
  private done: Promise<void> | null = null;
  private observedAtMs = Date.UTC(2026, 0, 1);

  constructor(
    private readonly url: () => string,
    private readonly prefix: string,
  ) {}

  start(): void {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async run(): Promise<void> {
    for (let n = 0; n < DELIVERIES_MAX && !this.stopped; n++) {
      const events = Array.from({ length: EVENTS_PER_DELIVERY }, (_, k) =>
        weatherEvent({ id: `${this.prefix}-${n}-${k}`, feedId: `feed-${this.prefix}`, assetId: `asset-${this.prefix}`, observedAt: new Date((this.observedAtMs += 1_000)).toISOString() }),
      );
      // At-least-once: the same events again until acknowledged; a retry of a committed one answers its first place.
      for (let attempt = 0; attempt < DELIVERY_ATTEMPTS_MAX && !this.stopped; attempt++) {
        const receipt = await deliverEvents(this.url(), events, REQUEST_TIMEOUT_MS);
        if (receipt !== undefined) {
          for (const c of receipt.committed) this.record(c.eventId, { height: c.height, txHash: c.txHash });
          break;
        }
        await pause(RETRY_PAUSE_MS);
      }
    }
  }

  private record(eventId: string, place: Acknowledged): void {
    const earlier = this.acknowledged.get(eventId);
    if (earlier !== undefined && (earlier.height !== place.height || earlier.txHash !== place.txHash)) this.conflicts.push(eventId);
    else this.acknowledged.set(eventId, place);
  }
}


/** Polls every running member's height and notes any that went down, across restarts too. */
class HeightMonitor {
  readonly highest = new Map<string, number>();
  readonly decreases: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(private readonly cluster: ProcessCluster) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), MONITOR_EVERY_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await Promise.all(
        this.cluster.members.map(async (m) => {
          if (!this.cluster.running(m.id)) return;
          const s = await this.cluster.status(m.id);
          if (s === undefined) return;
          const before = this.highest.get(m.id) ?? 0;
          if (s.height < before) this.decreases.push(`${m.id}: ${before} -> ${s.height}`);
          else this.highest.set(m.id, s.height);
        }),
      );
    } finally {
      this.polling = false;
    }
  }
}

async function block(cluster: ProcessCluster, id: string, height: number): Promise<BlockReply> {
  // Stale on purpose: called once every member reported the same height and applied index, so what a
  // member has applied is the chain; a linearizable read would only add a leader round trip that a
  // starved machine can time out.
  const res = await fetch(`${cluster.url(id)}/api/v11/consensus/blocks/${height}?consistency=stale`, { headers: CLUSTER_TOKEN_HEADER, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`${id} has no block ${height} (${res.status})\n${cluster.logTail(id)}`);
  return (await res.json()) as BlockReply;
}

/** Every member reports the same height and applied index; answers that height. */
async function converged(cluster: ProcessCluster): Promise<number> {
  const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
  let last: (ConsensusStatus | undefined)[] = [];
  while (Date.now() < deadline) {
    last = await Promise.all(cluster.members.map((m) => cluster.status(m.id)));
    const heights = new Set(last.map((s) => s?.height));
    const applied = new Set(last.map((s) => s?.appliedIndex));
    if (last.every((s) => s !== undefined) && heights.size === 1 && applied.size === 1) return last[0]!.height;
    await pause(200);
  }
  const seen = cluster.members.map((m, i) => `${m.id}: ${last[i]?.role} term ${last[i]?.term} height ${last[i]?.height} commit ${last[i]?.commitIndex} applied ${last[i]?.appliedIndex}`);
  const top = Math.max(...last.map((s) => s?.height ?? 0));
  const behind = cluster.members.filter((_, i) => last[i]?.height !== top).map((m) => `--- ${m.id} ---\n${cluster.logTail(m.id, 15)}`);
  throw new Error(`members did not converge within ${CONVERGE_TIMEOUT_MS} ms (${seen.join('; ')}); seed ${seed}\n${behind.join('\n')}`);
}

/** Kills `pick()` at a random moment, waits for a leader among the rest, restarts it; `times` times. */
async function killAndRestart(cluster: ProcessCluster, times: number, pick: () => Promise<string>): Promise<string[]> {
  const killed: string[] = [];
  for (let i = 0; i < times; i++) {
    await pause(between(KILL_DELAY_MS_MIN, KILL_DELAY_MS_MAX));
    const victim = await pick();
    await cluster.kill(victim, 'SIGKILL');
    killed.push(victim);
    await cluster.leader();
    await pause(between(KILL_DELAY_MS_MIN, KILL_DELAY_MS_MAX));
    await cluster.restart(victim);
  }
  return killed;
}

/** The checks both scenarios end with, once the writer has stopped. */
async function expectConsistentAndComplete(cluster: ProcessCluster, writer: Writer, monitor: HeightMonitor, killed: readonly string[]): Promise<void> {
  const top = await converged(cluster);
  const context = `seed ${seed}, killed ${killed.join(', ')}`;
  expect(writer.conflicts, context).toEqual([]);
  expect(monitor.decreases, context).toEqual([]);
  expect(writer.acknowledged.size, context).toBeGreaterThan(0);

  const hashesByHeight: string[] = [];
  const txsByHeight: Set<string>[] = [];
  for (let h = 0; h <= top; h++) {
    const blocks = await Promise.all(cluster.members.map((m) => block(cluster, m.id, h)));
    const hashes = new Set(blocks.map((b) => b.hash));
    expect(hashes.size, `members disagree on block ${h} (${context})`).toBe(1);
    hashesByHeight.push(blocks[0]!.hash);
    txsByHeight.push(new Set(blocks[0]!.txHashes));
  }
  const missing = [...writer.acknowledged].filter(([, place]) => !(txsByHeight[place.height]?.has(place.txHash) ?? false)).map(([id]) => id);
  expect(missing, `acknowledged events not in the block they were acknowledged in (${context})`).toEqual([]);
  // The restarted members hold the whole chain: they answered every height above with the same hash.
  for (const id of new Set(killed)) expect((await cluster.status(id))?.height, `${id} caught up (${context})`).toBe(top);
}

describe(`a Raft group of processes killed with SIGKILL (${TEST_DATABASE_URL === undefined ? 'PGlite' : 'PostgreSQL'}, seed ${seed})`, () => {
  let cluster: ProcessCluster;

  beforeAll(async () => {
    cluster = await startProcessCluster({ voters: 3, learners: 2, postgresUrl: TEST_DATABASE_URL });
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  /** A writer delivers through `entry` while `kills` members chosen by `victim` are killed and restarted; then everything is checked. */
  async function killUnderLoad(entry: string, label: string, kills: number, victim: () => Promise<string>): Promise<void> {
    const writer = new Writer(() => cluster.url(entry), `${label}-${seed}`);
    const monitor = new HeightMonitor(cluster);
    monitor.start();
    writer.start();
    try {
      const killed = await killAndRestart(cluster, kills, victim);
      await writer.stop();
      monitor.stop();
      await expectConsistentAndComplete(cluster, writer, monitor, killed);
    } finally {
      monitor.stop();
      await writer.stop();
    }
  }

  it(
    'keeps every acknowledged event and one chain on every member while the leader is killed and restarted',
    () => killUnderLoad('business-1', 'leader-kill', LEADER_KILLS, () => cluster.leader()),
    TEST_TIMEOUT_MS,
  );

  it(
    'keeps every acknowledged event and one chain on every member while followers are killed and restarted',
    () =>
      killUnderLoad('business-2', 'follower-kill', FOLLOWER_KILLS, async () => {
        const leader = await cluster.leader();
        const followers = cluster.members.filter((m) => m.id !== leader && m.id !== 'business-2').map((m) => m.id);
        return followers[between(0, followers.length - 1)]!;
      }),
    TEST_TIMEOUT_MS,
  );
});

/** A small seeded generator, so a failing run's kill moments can be replayed. */
function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
