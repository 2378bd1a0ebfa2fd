/**
 * Signed transfers committed per second against the raw ML-DSA-44 verify ceiling of this machine,
 * measured in the same run (issue 6, item 2).
 *
 * Topology: one validator process (the single-validator network; its verify pool has a thread per
 * core), on PGlite, or on Postgres when TEST_DATABASE_URL or DATABASE_URL is set. Clients in this
 * process POST pre-signed transfers in batches of 64 (one per sender account, so each account's
 * nonces arrive in order) from BENCH_LEDGER_CLIENTS closed loops; a transfer counts once its
 * answer says committed. The ceiling is every core of the machine verifying one ML-DSA-44
 * signature in a loop in this process, taken before and after the transfers (the validator idle);
 * their mean is verifyCeilingPerSec. preparedVerifyPerSec is the same loop through the validator's own
 * verifier with the key already prepared (consensus/crypto/ml-dsa-prepared.mjs), the rate a cached
 * sender's signature is checked at; ratioOfPreparedVerify is the transfers against that. Signing everything beforehand is the slow part of the run;
 * request bodies are encoded before the timed part too, so the clients' share of it is sending bytes.
 * cpuUsPerTransfer splits the CPU time of the timed part per committed transfer between the
 * validator's main thread, its other threads (verification, GC), this process and Postgres (Linux
 * /proc): on a shared machine it says where the cost goes even when the ratio is disturbed.
 *
 * Knobs: BENCH_LEDGER_ACCOUNTS (multiple of 64, default 1024), BENCH_LEDGER_CLIENTS (default 16),
 * BENCH_LEDGER_ROUNDS (transfers per account, default 8), BENCH_LEDGER_CEILING_MS (default 3000),
 * BENCH_LEDGER_BLOCK_INTERVAL_MS (default 100), BENCH_LEDGER_CPU_PROF_DIR (profile the validator).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Agent, request } from 'undici';
import { isStarted } from '../runtime/probes/client.ts';
import { SubmitTransactionsResult, type UnsignedUserTransaction, type UserTransaction } from '../schemas/index.ts';
import { accountIdOf, signingBytes } from '../schemas/transaction-signing.ts';
import { dropSchema, tempDir, uniqueSchema } from '../tests/support/databases.ts';
import { freePorts } from '../tests/support/free-ports.ts';
import { cpuPerTransferUs, cpuSample } from './ledger/cpu.ts';
import { BenchThreads } from './ledger/threads.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXIT_WITH_PARENT = fileURLToPath(new URL('../tests/support/exit-with-parent.ts', import.meta.url));
const SECRET = 'ledger-bench-cluster-secret-0123456789';
const CHAIN_ID = 'ledger-bench';
const ASSET = 'bench-bond';
const BATCH = 64;
const TARGET_RATIO = 0.85;
const START_TIMEOUT_MS = 180_000;
const REQUEST_TIMEOUT_MS = 120_000;

const accountsCount = Number(process.env.BENCH_LEDGER_ACCOUNTS ?? 1024);
const clients = Number(process.env.BENCH_LEDGER_CLIENTS ?? 16);
const rounds = Number(process.env.BENCH_LEDGER_ROUNDS ?? 8);
const ceilingMs = Number(process.env.BENCH_LEDGER_CEILING_MS ?? 3_000);
/** The validator's BLOCK_INTERVAL_MS: clients wait for their block, so a long interval leaves the verify threads idle between blocks. */
const blockIntervalMs = Number(process.env.BENCH_LEDGER_BLOCK_INTERVAL_MS ?? 100);
const postgresUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const cores = availableParallelism();
/** Set: the validator writes a CPU profile there (read it with bench/consensus/profile-summary.ts). */
const profileDir = process.env.BENCH_LEDGER_CPU_PROF_DIR;

/**
 * The validator's glibc malloc settings, as in compose.yaml (x-raft-env): its large buffers (request
 * bodies, Postgres Bind messages of a block's transactions, hundreds of KB) then come from the heap
 * instead of a fresh mmap each, whose page faults cost the Postgres client more CPU than its own
 * work (measured alone: ~250 → ~85 µs per 7.7 KB transaction row; in this bench ~10% of the main thread).
 */
const VALIDATOR_MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: '16777216', MALLOC_TRIM_THRESHOLD_: '67108864' };

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () => loadavg().map((l) => Math.round(l * 100) / 100);
const quantile = (sorted: number[], q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);

interface Account {
  publicKey: string;
  secretKey: Uint8Array;
  id: string;
}

function account(n: number): Account {
  const seed = new Uint8Array(32);
  new DataView(seed.buffer).setUint32(0, n + 1);
  const keys = ml_dsa44.keygen(seed);
  const publicKey = bytesToHex(keys.publicKey);
  return { publicKey, secretKey: keys.secretKey, id: accountIdOf(publicKey) };
}

async function signAll(threads: BenchThreads, txs: { tx: UnsignedUserTransaction; by: Account }[]): Promise<UserTransaction[]> {
  const signatures = await threads.sign(txs.map(({ tx, by }) => ({ message: signingBytes(tx), secretKey: by.secretKey })));
  return txs.map(({ tx }, i) => ({ ...tx, signature: bytesToHex(signatures[i]!) }) as UserTransaction);
}

/**
 * Signs the setup (register, one mint per sender) and every transfer, and lays them out as request
 * bodies: client c owns sender groups c, c+clients, ...; in each round it sends one batch per group
 * it owns. Bodies are encoded once here, and the transaction objects are dropped when this returns,
 * so the clients' share of the timed window is sending bytes, not encoding strings or collecting them.
 */
async function prepare(threads: BenchThreads): Promise<{
  setupBodies: Buffer[];
  bodies: Buffer[][];
  sample: { message: Uint8Array; signature: Uint8Array; publicKey: Uint8Array };
  transfersSent: number;
}> {
  const issuer = account(0);
  const senders = Array.from({ length: accountsCount }, (_, i) => account(i + 1));
  console.log(`signing the setup and ${accountsCount * rounds} transfers on ${cores} threads (ML-DSA-44)...`);
  const register: UnsignedUserTransaction = { type: 'register_asset', chainId: CHAIN_ID, nonce: 0, from: issuer.publicKey, assetId: ASSET, category: 'market', totalUnits: '1000000000000', feeds: [], metadata: { name: 'bench bond' } };
  const mints = senders.map((s, i): UnsignedUserTransaction => ({ type: 'mint', chainId: CHAIN_ID, nonce: i + 1, from: issuer.publicKey, assetId: ASSET, to: s.id, units: '1000000' }));
  const setup = await signAll(threads, [register, ...mints].map((tx) => ({ tx, by: issuer })));
  const transfers: { tx: UnsignedUserTransaction; by: Account }[] = [];
  for (let r = 0; r < rounds; r++) {
    senders.forEach((s, i) => {
      const to = senders[(i + 1) % senders.length]!.id;
      transfers.push({ tx: { type: 'transfer', chainId: CHAIN_ID, nonce: r, from: s.publicKey, assetId: ASSET, to, units: '1' }, by: s });
    });
  }
  const signed = await signAll(threads, transfers);
  const body = (transactions: UserTransaction[]) => Buffer.from(JSON.stringify({ transactions }));
  const setupBodies: Buffer[] = [];
  for (let i = 0; i < setup.length; i += BATCH) setupBodies.push(body(setup.slice(i, i + BATCH)));
  const groups = accountsCount / BATCH;
  const bodies: Buffer[][] = Array.from({ length: clients }, () => []);
  for (let r = 0; r < rounds; r++) {
    for (let g = 0; g < groups; g++) bodies[g % clients]!.push(body(signed.slice(r * accountsCount + g * BATCH, r * accountsCount + (g + 1) * BATCH)));
  }
  const first = signed[0]!;
  const sample = { message: signingBytes(first), signature: Uint8Array.from(Buffer.from(first.signature, 'hex')), publicKey: Uint8Array.from(Buffer.from(first.from, 'hex')) };
  return { setupBodies, bodies, sample, transfersSent: signed.length };
}

/** The validator's prepared-key cache over the whole run, from its /metrics. */
async function keyCacheOf(url: string): Promise<{ hits: number; misses: number; bytes: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    hits: value('aurigraph_signature_key_cache_hits_total'),
    misses: value('aurigraph_signature_key_cache_misses_total'),
    bytes: value('aurigraph_signature_key_cache_bytes'),
  };
}

async function startValidator(port: number, dataDir: string, schema: string): Promise<{ url: string; child: ChildProcess; logPath: string }> {
  const url = `http://127.0.0.1:${port}`;
  const logPath = join(dataDir, 'validator.log');
  const log = openSync(logPath, 'a');
  const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', '--import', EXIT_WITH_PARENT, join(ROOT, 'bin/role.ts'), 'validator'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ROLE: 'validator',
      PORT: String(port),
      CLUSTER_SECRET: SECRET,
      CHAIN_ID,
      DATA_DIR: dataDir,
      DB_SCHEMA: schema,
      LOG_LEVEL: 'warn',
      BLOCK_INTERVAL_MS: String(blockIntervalMs),
      ...VALIDATOR_MALLOC_ENV,
      ...(postgresUrl === undefined ? {} : { DATABASE_URL: postgresUrl }),
    },
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the validator exited while starting:\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
    if (await isStarted(url, 1_000)) return { url, child, logPath };
    await pause(200);
  }
  throw new Error('the validator did not start in time');
}

export async function ledgerBench(): Promise<Record<string, unknown>> {
  if (accountsCount % BATCH !== 0 || (accountsCount / BATCH) % 1 !== 0) throw new Error(`BENCH_LEDGER_ACCOUNTS must be a multiple of ${BATCH}`);
  const loadBefore = load();
  const threads = new BenchThreads(cores);
  const dir = tempDir('ledger-bench');
  const schema = postgresUrl === undefined ? 'ledger_bench' : uniqueSchema('ledger_bench');
  const [port] = await freePorts(1);
  const agent = new Agent({ connections: clients + 1, keepAliveTimeout: 10_000 });
  let validator: Awaited<ReturnType<typeof startValidator>> | undefined;
  try {
    const signStart = performance.now();
    const { setupBodies, bodies, sample, transfersSent } = await prepare(threads);
    const signSeconds = (performance.now() - signStart) / 1000;

    validator = await startValidator(port!, dir.path, schema);
    const post = async (body: Buffer) => {
      const res = await request(`${validator!.url}/api/v11/transaction`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'x-cluster-token': SECRET },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const answer: unknown = await res.body.json();
      if (res.statusCode !== 200) throw new Error(`POST /transaction answered ${res.statusCode}: ${JSON.stringify(answer).slice(0, 500)}`);
      return SubmitTransactionsResult.parse(answer).results;
    };
    const committedOf = (results: { status: string }[]) => results.filter((r) => r.status === 'committed').length;
    for (const body of setupBodies) {
      const results = await post(body);
      if (committedOf(results) !== results.length) throw new Error(`setup was refused: ${JSON.stringify(results.find((r) => r.status !== 'committed'))}`);
    }

    console.log('verify ceiling (before)...');
    const ceilingBefore = await threads.verifyRate(sample, ceilingMs);
    const preparedBefore = await threads.verifyRate(sample, ceilingMs, true);

    console.log(`sending ${transfersSent} signed transfers from ${clients} clients...`);
    const latenciesMs: number[] = [];
    let committed = 0;
    const refused = new Map<string, number>();
    const loadDuring = load();
    const cpuBefore = cpuSample(validator.child.pid);
    const start = performance.now();
    await Promise.all(
      bodies.map(async (mine) => {
        for (const body of mine) {
          const sent = performance.now();
          const results = await post(body);
          latenciesMs.push(performance.now() - sent);
          committed += committedOf(results);
          for (const r of results) if (r.status !== 'committed') refused.set(r.error?.code ?? r.status, (refused.get(r.error?.code ?? r.status) ?? 0) + 1);
        }
      }),
    );
    const elapsedS = (performance.now() - start) / 1000;
    const cpuUsPerTransfer = cpuPerTransferUs(cpuBefore, cpuSample(validator.child.pid), committed);
    const loadAfterTransfers = load();

    console.log('verify ceiling (after)...');
    const ceilingAfter = await threads.verifyRate(sample, ceilingMs);
    const preparedAfter = await threads.verifyRate(sample, ceilingMs, true);
    const verifyCeilingPerSec = Math.round((ceilingBefore + ceilingAfter) / 2);
    const preparedVerifyPerSec = Math.round((preparedBefore + preparedAfter) / 2);
    const signedTransfersPerSec = Math.round(committed / elapsedS);
    latenciesMs.sort((a, b) => a - b);
    const ratio = Math.round((signedTransfersPerSec / verifyCeilingPerSec) * 1000) / 1000;
    return {
      topology: 'single validator (one process, the network of one); clients and the ceiling measured in the bench process on the same machine',
      storage: postgresUrl === undefined ? 'pglite (embedded)' : 'postgres',
      signedTransfersPerSec,
      verifyCeilingPerSec,
      ratioOfCeiling: ratio,
      targetRatio: TARGET_RATIO,
      targetMet: ratio >= TARGET_RATIO,
      verifyCeilingBeforePerSec: ceilingBefore,
      verifyCeilingAfterPerSec: ceilingAfter,
      preparedVerifyPerSec,
      ratioOfPreparedVerify: Math.round((signedTransfersPerSec / preparedVerifyPerSec) * 1000) / 1000,
      validatorKeyCache: await keyCacheOf(validator.url),
      transfersSent,
      transfersCommitted: committed,
      refusedByCode: Object.fromEntries(refused),
      elapsedS: Math.round(elapsedS * 100) / 100,
      batchTxs: BATCH,
      blockIntervalMs,
      clients,
      accounts: accountsCount,
      requestP50Ms: quantile(latenciesMs, 0.5),
      requestP99Ms: quantile(latenciesMs, 0.99),
      cores,
      verifyThreads: cores,
      signatureAlgorithm: 'ml_dsa44',
      signSeconds: Math.round(signSeconds),
      cpuUsPerTransfer,
      loadAverage: { before: loadBefore, duringStart: loadDuring, afterTransfers: loadAfterTransfers, end: load() },
    };
  } finally {
    await threads.close();
    await agent.close();
    if (validator !== undefined) {
      validator.child.kill('SIGTERM');
      await new Promise((resolve) => validator!.child.once('exit', resolve));
    }
    if (postgresUrl !== undefined) await dropSchema(postgresUrl, schema).catch(() => {});
    dir.remove();
  }
}
