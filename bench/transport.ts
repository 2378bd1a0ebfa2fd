/**
 * Peer transport throughput over loopback: one HttpPeerTransport (the leader's side) sending
 * append batches to receivers each in its own process (the followers' side, the peer route),
 * with a bounded window of undelivered messages as Raft's inflight limit would keep. Reports
 * messages/s, entries/s and MB/s of entry data delivered, and CPU time per MB on each side.
 * Beside it, in-process: the binary frame against JSON with base64 entry data, encode plus decode.
 *
 * Target (issue 5): 100,000 transactions/s of ~200 bytes committed, i.e. ~20 MB/s of entry data
 * to each of 4 followers (80 MB/s out of the leader).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Entry } from '../consensus/raft/index.ts';
import { decodeFrame, encodeFrame, HttpPeerTransport, type PeerMessage } from '../consensus/transport/index.ts';
import { createLogger } from '../runtime/logger.ts';
import { sideBySide } from './measure.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECRET = 'transport-bench-cluster-secret-0123456789';
const START_TIMEOUT_MS = 60_000;
const RUN_MS = 4_000;
const WARMUP_MS = 1_000;
/** Undelivered messages per follower before the sender waits, like Raft's inflight window. */
const WINDOW_MESSAGES = 16;
const TX_BYTES = 200;
const TARGET_TX_PER_S = 100_000;
const TARGET_FOLLOWERS = 4;
const TARGET_FOLLOWER_MB_PER_S = (TARGET_TX_PER_S * TX_BYTES) / 1e6;
const TARGET_LEADER_MB_PER_S = TARGET_FOLLOWER_MB_PER_S * TARGET_FOLLOWERS;

interface Shape {
  name: string;
  entriesPerMessage: number;
  entryBytes: number;
}

/** ~1 MiB appends (Raft's default msgSizeBytesMax) as one entry per transaction, and as batched entries; then small messages. */
const SHAPES: Shape[] = [
  { name: 'append 5000 x 200 B entries', entriesPerMessage: 5000, entryBytes: TX_BYTES },
  { name: 'append 16 x 64 KiB entries', entriesPerMessage: 16, entryBytes: 64 * 1024 },
  { name: 'append 1 x 200 B entry (heartbeat-sized)', entriesPerMessage: 1, entryBytes: TX_BYTES },
];

function append(to: string, entriesPerMessage: number, entryBytes: number): PeerMessage {
  const entries: Entry[] = Array.from({ length: entriesPerMessage }, (_, i) => ({ index: 1 + i, term: 2, type: 'normal', data: new Uint8Array(entryBytes).fill(i & 0xff) }));
  return { type: 'append', from: 'v1', to, term: 2, prevIndex: 0, prevTerm: 2, commit: 0, entries };
}

interface Receiver {
  id: string;
  url: string;
  child: ChildProcess;
}

async function startReceiver(id: string): Promise<Receiver> {
  const profile = process.env.BENCH_TRANSPORT_CPU_PROF_DIR;
  const flags = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', join(ROOT, 'bench/transport/receiver.ts'), id], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_CLUSTER_SECRET: SECRET },
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('receiver did not start')), START_TIMEOUT_MS);
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line !== undefined) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });
  return { id, url, child };
}

async function receiverCount(r: Receiver): Promise<{ messages: number; entries: number; entryBytes: number; cpuMs: number }> {
  const answer = await fetch(`${r.url}/bench/count`);
  return (await answer.json()) as { messages: number; entries: number; entryBytes: number; cpuMs: number };
}

/** Sends `shape` to every receiver for `durationMs`, keeping at most WINDOW_MESSAGES undelivered per receiver. */
async function pump(transport: HttpPeerTransport, receivers: Receiver[], shape: Shape, durationMs: number) {
  const messages = new Map(receivers.map((r) => [r.id, append(r.id, shape.entriesPerMessage, shape.entryBytes)]));
  const sent = new Map(receivers.map((r) => [r.id, 0]));
  const deliveredAtStart = new Map(transport.stats().map((s) => [s.id, s.deliveredMessages]));
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    const delivered = new Map(transport.stats().map((s) => [s.id, s.deliveredMessages - (deliveredAtStart.get(s.id) ?? 0)]));
    for (const r of receivers) {
      let outstanding = sent.get(r.id)! - delivered.get(r.id)!;
      while (outstanding < WINDOW_MESSAGES) {
        transport.send([messages.get(r.id)!]);
        sent.set(r.id, sent.get(r.id)! + 1);
        outstanding++;
      }
    }
    // A short sleep, not setImmediate: spinning would bill the sender for waiting.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const elapsedS = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const deliveredMessages = transport.stats().reduce((n, s) => n + s.deliveredMessages - (deliveredAtStart.get(s.id) ?? 0), 0);
  const dropped = transport.stats().reduce((n, s) => n + s.droppedMessages, 0);
  return { elapsedS, deliveredMessages, senderCpuMs: (cpu.user + cpu.system) / 1000, dropped };
}

async function run(followers: number, shape: Shape) {
  const receivers = await Promise.all(Array.from({ length: followers }, (_, i) => startReceiver(`v${i + 2}`)));
  const transport = new HttpPeerTransport({
    selfId: 'v1',
    peers: Object.fromEntries(receivers.map((r) => [r.id, r.url])),
    clusterSecret: SECRET,
    logger: createLogger('transport-bench', 'warn'),
    onUnreachable: () => {},
  });
  try {
    await pump(transport, receivers, shape, WARMUP_MS);
    // Let the warm-up's window drain so the measured run starts from nothing outstanding.
    while (transport.stats().some((s) => s.inFlight || s.queuedMessages > 0)) await new Promise((r) => setTimeout(r, 10));
    const before = await Promise.all(receivers.map(receiverCount));
    const measured = await pump(transport, receivers, shape, RUN_MS);
    const after = await Promise.all(receivers.map(receiverCount));
    const entryMB = (after.reduce((n, c) => n + c.entryBytes, 0) - before.reduce((n, c) => n + c.entryBytes, 0)) / 1e6;
    const entries = after.reduce((n, c) => n + c.entries, 0) - before.reduce((n, c) => n + c.entries, 0);
    const receiverCpuMs = after.reduce((n, c) => n + c.cpuMs, 0) - before.reduce((n, c) => n + c.cpuMs, 0);
    const perFollowerEntriesPerS = Math.round(entries / followers / measured.elapsedS);
    return {
      followers,
      shape: shape.name,
      messagesPerS: Math.round(measured.deliveredMessages / measured.elapsedS),
      entriesPerS: Math.round(entries / measured.elapsedS),
      entryDataMBPerS: Math.round((entryMB / measured.elapsedS) * 10) / 10,
      perFollowerEntryDataMBPerS: Math.round((entryMB / followers / measured.elapsedS) * 10) / 10,
      /** 200-byte transactions per second each follower could receive at this rate, against the target. */
      perFollowerTxPerS: shape.entryBytes === TX_BYTES ? perFollowerEntriesPerS : Math.round((entryMB * 1e6) / TX_BYTES / followers / measured.elapsedS),
      senderCpuMsPerMB: Math.round((measured.senderCpuMs / entryMB) * 100) / 100,
      receiverCpuMsPerMB: Math.round((receiverCpuMs / entryMB) * 100) / 100,
      droppedMessages: measured.dropped,
      /**
       * CPU the target would take at this cost per MB (1 = one core): the leader sends 20 MB/s to
       * each of 4 followers, each follower receives 20 MB/s. Steadier than MB/s on a shared machine.
       */
      leaderCoresAtTarget: Math.round(((measured.senderCpuMs / entryMB) * TARGET_LEADER_MB_PER_S) / 10) / 100,
      followerCoresAtTarget: Math.round(((receiverCpuMs / entryMB) * TARGET_FOLLOWER_MB_PER_S) / 10) / 100,
    };
  } finally {
    await transport.close();
    for (const r of receivers) r.child.kill('SIGTERM');
  }
}

/** The binary frame against JSON with base64 entry data, encode then decode of one ~1 MiB append, in-process. */
function codecSideBySide() {
  const message = append('v2', 5000, TX_BYTES);
  const jsonBase64 = () => {
    const text = JSON.stringify(message, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
    const back = JSON.parse(text) as { entries: { data: string }[] };
    for (const e of back.entries) Buffer.from(e.data, 'base64');
  };
  const binary = () => {
    decodeFrame(encodeFrame([message]));
  };
  const r = sideBySide(jsonBase64, binary, 5, 500);
  const megabytes = (5000 * TX_BYTES) / 1e6;
  return {
    message: '1 append of 5000 x 200 B entries, encode + decode',
    jsonBase64RoundTripsPerS: r.baselineOpsPerSec,
    binaryFrameRoundTripsPerS: r.candidateOpsPerSec,
    binaryOverJsonBase64Ratio: r.ratio,
    binaryFrameEntryDataMBPerS: Math.round(r.candidateOpsPerSec * megabytes),
    frameBytes: encodeFrame([message]).byteLength,
    jsonBase64Bytes: Buffer.byteLength(JSON.stringify(message, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v))),
  };
}

export async function transportBench(): Promise<Record<string, unknown>> {
  const loadAverage1mBefore = loadavg()[0];
  const codec = codecSideBySide();
  const oneFollower = [];
  for (const shape of SHAPES) oneFollower.push(await run(1, shape));
  const fourFollowers = [await run(4, SHAPES[0]!), await run(4, SHAPES[1]!)];
  const target = { txBytes: TX_BYTES, txPerS: TARGET_TX_PER_S, perFollowerEntryDataMBPerS: TARGET_FOLLOWER_MB_PER_S, followers: TARGET_FOLLOWERS };
  return {
    target,
    codec,
    oneFollower,
    fourFollowers,
    machine: { cores: cpus().length, loadAverage1mBefore, loadAverage1mAfter: loadavg()[0] },
    note: 'sender and receivers share the machine; four followers are four processes beside the sender, so on two cores they compete for CPU; CPU ms per MB is steadier than MB/s on a busy machine',
  };
}
