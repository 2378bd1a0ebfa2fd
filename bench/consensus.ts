/**
 * Consensus throughput, commit latency and failover (issue 5, item 9): 3 validators and 2 business
 * nodes (learners), each its own process on this machine with its own durable storage (real
 * Postgres when TEST_DATABASE_URL or DATABASE_URL is set, one schema per member; else PGlite).
 *
 * Two measurements, reported side by side:
 * - raw Raft: the real RaftEngine, SqlRaftStorage and HttpPeerTransport driving a machine that only
 *   counts (bench/consensus/raw-node.ts); each entry packs `batchSize` transactions of 200 bytes;
 *   a closed loop inside the leader keeps RAFT_PROPOSALS_IN_FLIGHT_MAX entries outstanding.
 *   Latency is propose → applied on the leader (a majority of voters has the entry durable).
 * - ledger, end to end: the real validator and business roles; closed-loop clients in this process
 *   POST channel events (~1 KB attest transactions, validated and executed on every node, one
 *   ML-DSA-87 signed block per batch) to the leader at BLOCK_TXS_MAX = batchSize. Latency is the
 *   client's: from sending a delivery to its committed answer.
 * Then failover: a writer keeps delivering through a business node, the leader gets SIGKILL, and
 * failoverMs is the time from the kill to the first acknowledged commit of a delivery sent after it.
 *
 * Knobs: BENCH_CONSENSUS_MODE (raw, ledger, both, failover), BENCH_CONSENSUS_BATCHES (e.g. 256,1024),
 * BENCH_CONSENSUS_LEDGER_BATCHES (the ledger's, default the same),
 * BENCH_CONSENSUS_RUN_MS, BENCH_CONSENSUS_INFLIGHT (entries) and BENCH_CONSENSUS_INFLIGHT_MB (raw mode's
 * outstanding proposals), BENCH_CONSENSUS_RAFT_TICK_MS and BENCH_CONSENSUS_RAFT_ELECTION_TICKS (the
 * members' Raft clock; default the configuration's), BENCH_CONSENSUS_FAILOVERS, BENCH_CONSENSUS_CPU_PROF_DIR (profiles
 * the raw leader at the best batch size and summarizes where its time goes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropSchema, tempDir, uniqueSchema } from '../tests/support/databases.ts';
import { freePorts } from '../tests/support/free-ports.ts';
import { deliverEvents, startProcessCluster, type ProcessCluster } from '../tests/support/cluster-processes.ts';
import { weatherEvent } from '../tests/consensus/fixtures.ts';
import { summarizeProfiles } from './consensus/profile-summary.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECRET = 'consensus-bench-cluster-secret-0123456789';
const TX_BYTES = 200;
const TARGET_TX_PER_S = 100_000;
const FAILOVER_TARGET_MS = 1_000;
const INFLIGHT = Number(process.env.BENCH_CONSENSUS_INFLIGHT ?? 8);
/**
 * Raw mode: entry bytes outstanding at most; fewer than INFLIGHT entries of the largest batches.
 * One Ready persists everything proposed meanwhile, and its commit waits for the write (heartbeats
 * no longer do: they leave while a write is in progress).
 */
const INFLIGHT_BYTES_MAX = Number(process.env.BENCH_CONSENSUS_INFLIGHT_MB ?? 8) * 1024 * 1024;
const inflightFor = (batchSize: number) => Math.min(INFLIGHT, Math.max(1, Math.floor(INFLIGHT_BYTES_MAX / (batchSize * TX_BYTES))));
const WARMUP_MS = 1_500;
const START_TIMEOUT_MS = 180_000;
/** Ledger load: events per delivery (~1 KB each, under the 1 MiB body limit) and events outstanding per batch slot. */
const EVENTS_PER_DELIVERY = 250;
const OUTSTANDING_BATCHES = 2;
const REQUEST_TIMEOUT_MS = 30_000;

const postgresUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const storage = postgresUrl === undefined ? 'pglite (embedded; commits reach the OS, no fsync)' : 'postgres (synchronous_commit on, one schema per member)';
const mode = process.env.BENCH_CONSENSUS_MODE ?? 'both';
const batches = (process.env.BENCH_CONSENSUS_BATCHES ?? '256,1024,4096,8190').split(',').map(Number);
/** Each ledger batch size starts its own cluster (BLOCK_TXS_MAX is read at start-up): the slow part of the run. */
const ledgerBatches = (process.env.BENCH_CONSENSUS_LEDGER_BATCHES ?? batches.join(',')).split(',').map(Number);
const runMs = Number(process.env.BENCH_CONSENSUS_RUN_MS ?? 5_000);
const failovers = Number(process.env.BENCH_CONSENSUS_FAILOVERS ?? 3);
const profileDir = process.env.BENCH_CONSENSUS_CPU_PROF_DIR;
/** The members' Raft clock, when a run compares timeouts other than the configuration's defaults. */
const raftTimingEnv: Record<string, string> = Object.fromEntries(
  (['RAFT_TICK_MS', 'RAFT_ELECTION_TICKS'] as const).flatMap((name) => {
    const value = process.env[`BENCH_CONSENSUS_${name}`];
    return value === undefined ? [] : [[name, value]];
  }),
);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const quantile = (sorted: number[], q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
const load = () => loadavg().map((l) => Math.round(l * 100) / 100);

// ---------------------------------------------------------------- raw Raft

interface RawNode {
  id: string;
  url: string;
  child: ChildProcess;
}

async function startRawCluster(flagsFor: (id: string) => string[]) {
  const ports = await freePorts(5);
  const dir = tempDir('raw-raft');
  const namespace = uniqueSchema('rawbench');
  const specs = ports.map((port, i) => ({ id: i < 3 ? `v${i + 1}` : `l${i - 2}`, role: i < 3 ? 'voter' : 'learner', port, url: `http://127.0.0.1:${port}` }));
  const membersText = specs.map((s) => `${s.id}=${s.role}@${s.url}`).join(',');
  const nodes: RawNode[] = specs.map((s) => {
    const log = openSync(join(dir.path, `${s.id}.log`), 'a');
    const child = spawn(process.execPath, [...flagsFor(s.id), '--import', 'tsx', join(ROOT, 'bench/consensus/raw-node.ts')], {
      cwd: ROOT,
      stdio: ['ignore', log, log],
      env: {
        PATH: process.env.PATH ?? '',
        RAW_SELF: s.id,
        RAW_MEMBERS: membersText,
        RAW_PORT: String(s.port),
        RAW_SECRET: SECRET,
        RAW_DATA_DIR: join(dir.path, s.id),
        RAW_SCHEMA: `${namespace}_${s.id}`,
        ...(postgresUrl === undefined ? {} : { RAW_DATABASE_URL: postgresUrl }),
      },
    });
    closeSync(log);
    return { id: s.id, url: s.url, child };
  });
  const killAll = () => nodes.forEach((n) => n.child.kill('SIGKILL'));
  process.once('exit', killAll);
  const close = async () => {
    await Promise.all(
      nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            if (n.child.exitCode !== null || n.child.signalCode !== null) return resolve();
            n.child.once('exit', () => resolve());
            n.child.kill('SIGTERM');
            setTimeout(() => n.child.kill('SIGKILL'), 20_000).unref();
          }),
      ),
    );
    if (postgresUrl !== undefined) for (const s of specs) await dropSchema(postgresUrl, `${namespace}_${s.id}`).catch(() => {});
    dir.remove();
  };
  /** The member that says it leads, once every member answers (polls). */
  const leader = async (timeoutMs = START_TIMEOUT_MS): Promise<RawNode> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`raw cluster has no leader (logs in ${dir.path})`);
      const statuses = await Promise.all(nodes.map((n) => fetch(`${n.url}/bench/status`).then((r) => r.json() as Promise<{ role: string }>, () => undefined)));
      const found = nodes.find((_, i) => statuses[i]?.role === 'leader');
      if (found !== undefined && statuses.every((s) => s !== undefined)) return found;
      await pause(200);
    }
  };
  try {
    await leader();
    return { nodes, leader, close };
  } catch (error) {
    await close();
    throw error;
  }
}

interface RawLoad {
  committedTxs: number;
  elapsedMs: number;
  proposals: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  leaderCpuMs: number;
}

/** Runs the closed loop on the leader; a leader that lost its place before starting (409) is looked up again. */
async function rawLoad(cluster: { leader(): Promise<RawNode> }, batchSize: number, durationMs: number): Promise<RawLoad & { leaderId: string }> {
  for (let attempt = 0; ; attempt++) {
    const leader = await cluster.leader();
    const res = await fetch(`${leader.url}/bench/load`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ batchSize, txBytes: TX_BYTES, inflight: inflightFor(batchSize), durationMs }),
      signal: AbortSignal.timeout(durationMs + 120_000),
    });
    if (res.ok) return { ...((await res.json()) as RawLoad), leaderId: leader.id };
    const text = await res.text();
    if (res.status !== 409 || attempt >= 10) throw new Error(`load on the raw leader failed: ${res.status} ${text}`);
    await pause(500);
  }
}

async function rawBench() {
  const rows = [];
  const cluster = await startRawCluster(() => []);
  try {
    for (const batchSize of batches) {
      await rawLoad(cluster, batchSize, WARMUP_MS);
      const r = await rawLoad(cluster, batchSize, runMs);
      const row = {
        batchSize,
        inflightEntries: inflightFor(batchSize),
        committedTxPerSec: Math.round(r.committedTxs / (r.elapsedMs / 1000)),
        commitP50Ms: r.p50Ms,
        commitP99Ms: r.p99Ms,
        entriesPerSec: Math.round(r.proposals / (r.elapsedMs / 1000)),
        entryDataMBPerSec: Math.round(((r.committedTxs * TX_BYTES) / 1e6 / (r.elapsedMs / 1000)) * 10) / 10,
        leaderCpuPercent: Math.round((r.leaderCpuMs / r.elapsedMs) * 100),
        failedProposals: r.failed,
        leader: r.leaderId,
        loadAverage: load(),
      };
      console.log('raw', JSON.stringify(row));
      rows.push(row);
    }
  } finally {
    await cluster.close();
  }
  return rows;
}

/** The best raw batch size again with the leader under --cpu-prof: where its time goes. */
async function rawProfile(batchSize: number, dir: string) {
  mkdirSync(dir, { recursive: true });
  const cluster = await startRawCluster(() => ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  let result: RawLoad & { leaderId: string };
  try {
    await rawLoad(cluster, batchSize, WARMUP_MS);
    result = await rawLoad(cluster, batchSize, runMs);
  } finally {
    await cluster.close();
  }
  const leaderPid = cluster.nodes.find((n) => n.id === result.leaderId)?.child.pid ?? 0;
  // The measured run and the shutdown after it; start-up and warm-up fall outside.
  const windowMs = runMs + 1_000;
  return { batchSize, leader: result.leaderId, committedTxPerSec: Math.round(result.committedTxs / (result.elapsedMs / 1000)), leaderProfile: summarizeProfiles(dir, leaderPid, windowMs, 20), dir };
}

// ---------------------------------------------------------------- ledger, end to end

/** Channel events with fresh ids: one schema-valid event as a template, cloned (the client must not be the bottleneck). */
function eventFactory(prefix: string) {
  const template = weatherEvent({ id: 'template', feedId: `feed-${prefix}`, assetId: `asset-${prefix}` });
  let n = 0;
  return (count: number) => Array.from({ length: count }, () => ({ ...template, id: `${prefix}-${++n}` }));
}


/** Closed loop: `clients` each keep one delivery of `perDelivery` events outstanding for `durationMs`. */
async function ledgerLoad(url: string, clients: number, perDelivery: number, durationMs: number, prefix: string) {
  const latencies: number[] = [];
  let committed = 0;
  let failedDeliveries = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const events = eventFactory(`${prefix}-c${c}`);
      while (performance.now() < deadline) {
        const sentAt = performance.now();
        const receipt = await deliverEvents(url, events(perDelivery), REQUEST_TIMEOUT_MS);
        if (receipt === undefined) {
          failedDeliveries++;
          await pause(50);
          continue;
        }
        latencies.push(performance.now() - sentAt);
        committed += receipt.committed.length;
      }
    }),
  );
  const elapsedS = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { committedTxPerSec: Math.round(committed / elapsedS), commitP50Ms: quantile(latencies, 0.5), commitP99Ms: quantile(latencies, 0.99), deliveries: latencies.length, failedDeliveries };
}

async function ledgerCluster(batchSize: number): Promise<ProcessCluster> {
  return startProcessCluster({
    voters: 3,
    learners: 2,
    postgresUrl,
    logLevel: 'warn',
    env: { BLOCK_TXS_MAX: String(batchSize), MEMPOOL_TXS_MAX: String(Math.max(50_000, batchSize * 8)), CHAIN_ID: 'consensus-bench', ...raftTimingEnv },
  });
}

async function ledgerBench() {
  const rows = [];
  for (const batchSize of ledgerBatches) {
    const cluster = await ledgerCluster(batchSize);
    try {
      const leaderUrl = cluster.url(await cluster.leader());
      const perDelivery = Math.min(EVENTS_PER_DELIVERY, batchSize);
      const clients = Math.max(2, Math.ceil((batchSize * OUTSTANDING_BATCHES) / perDelivery));
      await ledgerLoad(leaderUrl, clients, perDelivery, WARMUP_MS, `warm-${batchSize}`);
      const measured = await ledgerLoad(leaderUrl, clients, perDelivery, runMs, `run-${batchSize}`);
      const row = { batchSize, clients, eventsPerDelivery: perDelivery, ...measured, loadAverage: load() };
      console.log('ledger', JSON.stringify(row));
      rows.push(row);
    } finally {
      await cluster.close();
    }
  }
  return rows;
}

/** SIGKILL of the leader while a writer delivers through a business node: ms to the first commit of a delivery sent after the kill. */
async function failoverBench() {
  const cluster = await ledgerCluster(1_000);
  const samples: number[] = [];
  const electedSamples: number[] = [];
  const backlogSamples: (number | null)[][] = [];
  try {
    const entry = cluster.url('business-1');
    const events = eventFactory('failover');
    for (let round = 0; round < failovers; round++) {
      // Everyone up and committing before the kill.
      while ((await deliverEvents(entry, events(1), REQUEST_TIMEOUT_MS)) === undefined) await pause(50);
      const victim = await cluster.leader();
      let killedAt = 0;
      let firstCommitAt = 0;
      const writers = Array.from({ length: 4 }, async () => {
        while (firstCommitAt === 0) {
          const sentAt = performance.now();
          const receipt = await deliverEvents(entry, events(1), REQUEST_TIMEOUT_MS);
          if (receipt !== undefined && killedAt !== 0 && sentAt > killedAt && receipt.committed.length > 0) {
            if (firstCommitAt === 0) firstCommitAt = performance.now();
          } else if (receipt === undefined) await pause(10);
        }
      });
      await pause(300);
      killedAt = performance.now();
      await cluster.kill(victim, 'SIGKILL');
      // Committed entries the survivors still have to apply: the new leader answers only after applying them.
      const survivors = cluster.members.filter((m) => m.id !== victim && m.id.startsWith('validator'));
      const backlog = await Promise.all(survivors.map(async (m) => {
        const s = await cluster.status(m.id);
        return s === undefined ? null : s.commitIndex - s.appliedIndex;
      }));
      backlogSamples.push(backlog);
      // When the business node the writers go through first names a new leader: detection plus election.
      let electedAt = 0;
      const watcher = (async () => {
        while (electedAt === 0 && firstCommitAt === 0) {
          const s = await cluster.status('business-1');
          if (typeof s?.leaderMemberId === 'string' && s.leaderMemberId !== victim) electedAt = performance.now();
          else await pause(5);
        }
      })();
      await Promise.all([...writers, watcher]);
      samples.push(Math.round(firstCommitAt - killedAt));
      if (electedAt !== 0) electedSamples.push(Math.round(electedAt - killedAt));
      console.log('failover', round, victim, samples.at(-1), 'ms; leader known after', electedSamples.at(-1), 'ms; unapplied entries at the survivors', backlogSamples.at(-1));
      await cluster.restart(victim);
    }
  } finally {
    await cluster.close();
  }
  return { failoverMs: median(samples), failoverMsMax: Math.max(...samples), failoverSamplesMs: samples, leaderKnownSamplesMs: electedSamples, unappliedAtKill: backlogSamples };
}

// ---------------------------------------------------------------- the run

export async function consensusBench(): Promise<Record<string, unknown>> {
  const loadAtStart = load();
  const raw = mode === 'ledger' || mode === 'failover' ? [] : await rawBench();
  const bestRaw = raw.reduce<(typeof raw)[number] | undefined>((best, r) => (best === undefined || r.committedTxPerSec > best.committedTxPerSec ? r : best), undefined);
  const profile = profileDir !== undefined && bestRaw !== undefined ? await rawProfile(bestRaw.batchSize, profileDir) : undefined;
  const ledger = mode === 'raw' || mode === 'failover' ? [] : await ledgerBench();
  const bestLedger = ledger.reduce<(typeof ledger)[number] | undefined>((best, r) => (best === undefined || r.committedTxPerSec > best.committedTxPerSec ? r : best), undefined);
  const failover = mode === 'raw' ? undefined : await failoverBench();
  const best = bestRaw ?? bestLedger;
  return {
    storage,
    members: '3 validators (voters) + 2 business nodes (learners), one process each, HTTP between them on loopback',
    raftTiming: Object.keys(raftTimingEnv).length === 0 ? 'the configuration defaults' : raftTimingEnv,
    target: { committedTxPerSec: TARGET_TX_PER_S, txBytes: TX_BYTES, failoverMs: FAILOVER_TARGET_MS },
    /** Headline: raw Raft at its best batch size (the target is about ~200-byte payloads); the ledger's own below. */
    committedTxPerSec: best?.committedTxPerSec ?? null,
    commitP50Ms: best?.commitP50Ms ?? null,
    commitP99Ms: best?.commitP99Ms ?? null,
    batchSize: best?.batchSize ?? null,
    failoverMs: failover?.failoverMs ?? null,
    failoverMsMax: failover?.failoverMsMax ?? null,
    failoverSamplesMs: failover?.failoverSamplesMs ?? [],
    /** Kill to the moment the business node the writers use names a new leader (detection + election). */
    leaderKnownSamplesMs: failover?.leaderKnownSamplesMs ?? [],
    /** Per sample: committed entries not yet applied at each surviving validator just after the kill. */
    unappliedAtKill: failover?.unappliedAtKill ?? [],
    raw: {
      what: `RaftEngine + SqlRaftStorage + HttpPeerTransport with a counting machine; ${TX_BYTES}-byte transactions packed batchSize to an entry; up to ${INFLIGHT} entries (${INFLIGHT_BYTES_MAX / 1024 / 1024} MiB) in flight; latency propose→applied on the leader`,
      best: bestRaw ?? null,
      rows: raw,
    },
    ledger: {
      what: `validator and business roles end to end; ~1 KB attest transactions over POST /internal/channel-events (${EVENTS_PER_DELIVERY} a delivery at most) to the leader; BLOCK_TXS_MAX = batchSize; latency per delivery, client-side`,
      best: bestLedger ?? null,
      rows: ledger,
    },
    ...(profile === undefined ? {} : { profile }),
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: load(),
  };
}
