/**
 * One member of the raw Raft benchmark, in its own process: the real RaftEngine over SqlRaftStorage
 * (its own PGlite directory or Postgres schema) and HttpPeerTransport, driving a minimal machine
 * that only counts the transactions packed in each committed entry. No ledger, no blocks, no
 * signatures: what the replication path alone sustains.
 *
 * Environment: RAW_SELF (member id), RAW_MEMBERS (CONSENSUS_MEMBERS syntax), RAW_PORT, RAW_SECRET,
 * RAW_DATA_DIR or RAW_DATABASE_URL + RAW_SCHEMA, RAW_TICK_MS, RAW_ELECTION_TICKS.
 *
 * Routes besides the peer route: GET /bench/status (role, term, applied, leader);
 * POST /bench/load {batchSize, txBytes, inflight, durationMs} on the leader runs a closed loop
 * in this process: `inflight` proposals outstanding, each one entry of `batchSize` transactions,
 * a new one proposed as each applies; answers committed transactions and per-proposal latency
 * from propose to applied here (the leader applies an entry once a majority has it durable).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import { openDatabase } from '../../db/client.ts';
import { peerRoutes } from '../../consensus/http/routes/peer.ts';
import type { Entry } from '../../consensus/raft/index.ts';
import { SqlRaftStorage } from '../../consensus/raft-storage/index.ts';
import type { AppliedEntry, EngineMachine } from '../../consensus/replicated/engine-machine.ts';
import { RaftEngine } from '../../consensus/replicated/raft-engine.ts';
import { HttpPeerTransport } from '../../consensus/transport/index.ts';
import { installErrorHandling, startServer } from '../../runtime/http.ts';
import { createLogger } from '../../runtime/logger.ts';
import { ClusterMembersText } from '../../schemas/cluster-members.ts';

const env = z
  .object({
    RAW_SELF: z.string().min(1),
    RAW_MEMBERS: ClusterMembersText,
    RAW_PORT: z.coerce.number().int().min(1).max(65535),
    RAW_SECRET: z.string().min(16),
    RAW_DATA_DIR: z.string().optional(),
    RAW_DATABASE_URL: z.string().optional(),
    RAW_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('raw_bench'),
    RAW_TICK_MS: z.coerce.number().int().positive().default(40),
    RAW_ELECTION_TICKS: z.coerce.number().int().min(3).default(10),
  })
  .parse(process.env);

const HEADER_BYTES = 16;
const RETRY_AFTER_FAILURE_MS = 50;

/** Entry layout: u32 transaction count, u32 proposal sequence, 8 bytes of the proposer's boot id, then the transactions. */
function encodeEntry(batchSize: number, txBytes: number, seq: number, boot: Uint8Array, filler: Uint8Array): Uint8Array {
  const data = new Uint8Array(HEADER_BYTES + batchSize * txBytes);
  const view = new DataView(data.buffer);
  view.setUint32(0, batchSize);
  view.setUint32(4, seq);
  data.set(boot, 8);
  for (let i = 0; i < batchSize; i++) data.set(filler, HEADER_BYTES + i * txBytes);
  return data;
}

const proposalIdOf = (data: Uint8Array): string => `${Buffer.from(data.subarray(8, 16)).toString('hex')}:${new DataView(data.buffer, data.byteOffset).getUint32(4)}`;

/** Counts committed transactions; its applied index lives in memory, so a restart re-applies the log (counting only). */
class CountingMachine implements EngineMachine<number> {
  applied = 0;
  committedTxs = 0;

  async apply(entry: Entry): Promise<AppliedEntry<number>> {
    this.applied = entry.index;
    const count = new DataView(entry.data.buffer, entry.data.byteOffset).getUint32(0);
    this.committedTxs += count;
    return { proposalId: proposalIdOf(entry.data), result: count };
  }

  skip(index: number): void {
    this.applied = index;
  }

  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ committedTxs: this.committedTxs }));
  }

  async restore(index: number, data: Uint8Array): Promise<void> {
    this.applied = index;
    this.committedTxs = (JSON.parse(new TextDecoder().decode(data)) as { committedTxs: number }).committedTxs;
  }
}

const logger = createLogger(`raw-${env.RAW_SELF}`, 'warn');
const database = await openDatabase({ part: 'consensus', url: env.RAW_DATABASE_URL, dataDir: env.RAW_DATA_DIR ?? `./data/raw-${env.RAW_SELF}`, schema: env.RAW_SCHEMA });
const storage = await SqlRaftStorage.open(database.db);
const machine = new CountingMachine();
let engine: RaftEngine<number> | undefined;
const transport = new HttpPeerTransport({
  selfId: env.RAW_SELF,
  peers: new Map(env.RAW_MEMBERS.filter((m) => m.id !== env.RAW_SELF).map((m) => [m.id, m.url])),
  clusterSecret: env.RAW_SECRET,
  logger,
  onUnreachable: (id) => engine?.raw.reportUnreachable(id),
});
engine = await RaftEngine.start({
  selfId: env.RAW_SELF,
  founders: env.RAW_MEMBERS,
  storage,
  machine,
  transport,
  tickMs: env.RAW_TICK_MS,
  electionTicks: env.RAW_ELECTION_TICKS,
  heartbeatTicks: 1,
  snapshotEveryEntries: 1_000_000,
  compactKeepEntries: 1_000,
  readsMax: 1_000,
  readTimeoutMs: 3_000,
  logger,
  random: { intBelow: (n) => randomInt(n) },
  onAdvance: () => {},
  onFailure: (err) => {
    logger.error({ err }, 'raw engine failed');
    process.exit(1);
  },
});
const running = engine;

const LoadRequest = z.object({
  batchSize: z.number().int().min(1).max(100_000),
  txBytes: z.number().int().min(1).max(10_000),
  inflight: z.number().int().min(1).max(1_000),
  durationMs: z.number().int().min(100).max(120_000),
});

/** The closed loop: keeps `inflight` entries proposed and not applied until the time is up, then waits for the last. */
async function load(request: z.infer<typeof LoadRequest>) {
  const boot = randomBytes(8);
  const filler = randomBytes(request.txBytes);
  const latenciesMs: number[] = [];
  let committedTxs = 0;
  let failed = 0;
  let seq = 0;
  const start = performance.now();
  const deadline = start + request.durationMs;
  await new Promise<void>((resolve) => {
    let outstanding = 0;
    const proposeOne = () => {
      const data = encodeEntry(request.batchSize, request.txBytes, ++seq, boot, filler);
      const proposedAt = performance.now();
      outstanding++;
      const done = (ok: boolean, count: number) => {
        outstanding--;
        if (ok) {
          committedTxs += count;
          latenciesMs.push(performance.now() - proposedAt);
        } else failed++;
        // A proposal lost to a leadership change is proposed again shortly, while this node still leads.
        if (performance.now() < deadline && ok) proposeOne();
        else if (performance.now() < deadline && running.status().role === 'leader') {
          outstanding++;
          setTimeout(() => {
            outstanding--;
            proposeOne();
          }, RETRY_AFTER_FAILURE_MS);
        } else if (outstanding === 0) resolve();
      };
      try {
        running.propose(data, proposalIdOf(data), { settle: (count) => done(true, count), fail: () => done(false, 0) });
      } catch {
        done(false, 0);
      }
    };
    for (let i = 0; i < request.inflight; i++) proposeOne();
  });
  const elapsedMs = performance.now() - start;
  latenciesMs.sort((a, b) => a - b);
  const at = (q: number) => Math.round((latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(q * latenciesMs.length))] ?? 0) * 10) / 10;
  return { committedTxs, elapsedMs: Math.round(elapsedMs), proposals: latenciesMs.length, failed, p50Ms: at(0.5), p99Ms: at(0.99) };
}

const app = new Hono();
installErrorHandling(app, logger);
peerRoutes(app, { selfId: env.RAW_SELF, clusterSecret: env.RAW_SECRET, logger, onMessages: (_from, messages) => running.receive(messages.filter((m) => m.type !== 'cosign')) });
app.get('/livez', (c) => c.json({ status: 'up' }));
app.get('/bench/status', (c) => {
  const s = running.status();
  return c.json({ role: s.role, term: s.term, lead: s.lead, commit: s.commit, applied: s.applied, committedTxs: machine.committedTxs });
});
app.post('/bench/load', async (c) => {
  const request = LoadRequest.parse(await c.req.json());
  if (running.status().role !== 'leader') return c.json({ error: { code: 'NOT_LEADER', message: 'not the leader' } }, 409);
  const cpu = process.cpuUsage();
  const result = await load(request);
  const used = process.cpuUsage(cpu);
  return c.json({ ...result, leaderCpuMs: Math.round((used.user + used.system) / 1000) });
});
await startServer(app, '127.0.0.1', env.RAW_PORT);
process.on('SIGTERM', () => {
  void running
    .stop()
    .then(() => transport.close())
    .then(() => database.close())
    .finally(() => process.exit(0));
});
