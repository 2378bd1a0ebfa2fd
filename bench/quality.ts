import { createHash } from 'node:crypto';
import { pushSignaturePayload, type FeedCreated, type Observation } from '../schemas/index.ts';
import type { QualityContext } from '../slim/quality/index.ts';
import { inspectFormat, runQualityChain, signPushPayload } from '../slim/quality/index.ts';
import { OPEN_METEO_CURRENT_INTERVAL_MS } from '../oracles/index.ts';
import { contextFor, feedFor, iot, market, NOW, weather } from '../tests/slim/quality/support.ts';
import { PROVIDER_A, pushFeed, SlimNode } from '../tests/slim/service/support/slim-node.ts';
import { sideBySide } from './measure.ts';

/** Distinct prebuilt (observation, context) pairs the chain cycles through: enough that no one shape dominates the JIT. */
const MIX_SIZE = 300;
const HISTORY_VALUES = 50;
const PEERS = 5;
const CHAIN_OBS_PER_SEC_TARGET = 250_000;

const ingestReadings = 2_000;
const INGEST_BATCH_SIZE = 100;

/**
 * A realistic mix, one third each: weather (Open-Meteo pull, 50 history values, peers), IoT
 * (signed push: an HMAC to verify), market (bid/ask spread, peers). Contexts carry what the I/O
 * layer would read: a full history, content hashes, 5 fresh peers.
 */
function mix(): Array<{ observation: Observation; ctx: QualityContext }> {
  return Array.from({ length: MIX_SIZE }, (_, i) => {
    const wiggle = (i % 17) / 100;
    const history = Array.from({ length: HISTORY_VALUES }, (_, k) => 3 + ((k * 7) % 11) / 10);
    const hashes = Array.from({ length: HISTORY_VALUES }, (_, k) => createHash('sha256').update(`${i}:${k}`).digest('hex'));
    const peersAround = (v: number) => Array.from({ length: PEERS }, (_, k) => ({ feedId: `peer-${k}`, value: v * (1 + (k - 2) / 1000), observedAt: NOW.toISOString() }));
    switch (i % 3) {
      case 0: {
        const o = weather({ value: 3.4 + wiggle }, { temperatureC: 3.4 + wiggle });
        const ctx = contextFor(o, { history: { values: history, recentContentHashes: hashes }, peers: peersAround(3.4), settings: { sourceTimestampPrecisionMs: OPEN_METEO_CURRENT_INTERVAL_MS } });
        return { observation: o, ctx };
      }
      case 1: {
        const o = iot({ value: 4 + wiggle }, { reading: 4 + wiggle });
        const secret = 'b'.repeat(64);
        const signedPayload = pushSignaturePayload(o.feedId, o.observedAt, o.value);
        const ctx = contextFor(o, {
          history: { values: history.map((v) => v + 1), recentContentHashes: hashes },
          push: { signature: signPushPayload(secret, signedPayload), signedPayload, secret },
        });
        return { observation: o, ctx };
      }
      default: {
        const o = market({ value: 100 + wiggle, observedAt: new Date(NOW.getTime() - 1_000).toISOString() }, { price: 100 + wiggle, bid: 99, ask: 101 });
        // No market adapter is registered yet: a feed without an Open-Meteo base URL stands in, so the
        // exchange's https endpoint verifies as a registered one.
        const feed = { ...feedFor(o), source: { adapter: 'push' as const, params: { deviceId: 'exchange', metric: 'price', unit: 'USD' } } };
        const ctx = contextFor(o, {
          feed, history: { values: history.map((v) => v * 30), recentContentHashes: hashes }, peers: peersAround(100) });
        return { observation: o, ctx };
      }
    }
  });
}

/** Ops of `fn` over the whole mix per call, so opsPerSec counts batches of MIX_SIZE observations. */
function overMix(cases: ReturnType<typeof mix>, fn: (o: Observation, ctx: QualityContext) => unknown) {
  let sink = 0;
  return () => {
    for (const c of cases) if (fn(c.observation, c.ctx) !== null) sink++;
    if (sink < 0) throw new Error('unreachable');
  };
}

/** Chain throughput on one core, no I/O, against its own first step that every input pays: schema validation (zod). */
function chainThroughput() {
  const cases = mix();
  for (const c of cases) {
    const report = runQualityChain(c.observation, c.ctx);
    if (report.decision !== 'accepted') throw new Error(`bench mix must pass the chain: ${JSON.stringify(report.checks.filter((x) => x.score < 1))}`);
  }
  const r = sideBySide(
    overMix(cases, (o) => inspectFormat(o)),
    overMix(cases, (o, ctx) => runQualityChain(o, ctx)),
    5,
    600,
  );
  return {
    formatStepObsPerSecPerCore: r.baselineOpsPerSec * MIX_SIZE,
    chainObsPerSecPerCore: r.candidateOpsPerSec * MIX_SIZE,
    chainOverFormatStepRatio: r.ratio,
  };
}

/** One slim worker over in-memory PGlite; readings pushed over loopback HTTP, signed, in batches. */
async function ingestThroughput() {
  const slim = await SlimNode.start();
  try {
    const created = await slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: pushFeed() });
    if (created.status !== 201 && created.status !== 200) throw new Error(`feed registration failed: ${created.status} ${JSON.stringify(created.body)}`);
    const feed = created.body as FeedCreated;
    const secret = feed.pushSecret;
    if (secret === undefined) throw new Error('push feed came back without its secret');
    const startMs = Date.now();
    const batches = ingestReadings / INGEST_BATCH_SIZE;
    let evaluated = 0;
    let accepted = 0;
    const started = performance.now();
    for (let b = 0; b < batches; b++) {
      const readings = Array.from({ length: INGEST_BATCH_SIZE }, (_, k) => {
        const i = b * INGEST_BATCH_SIZE + k;
        // Fresh and strictly increasing source timestamps, so every reading is new and in order.
        const observedAt = new Date(startMs - 1_000 + i).toISOString();
        const value = 4 + (i % 10) / 100;
        return { observedAt, value, signature: signPushPayload(secret, pushSignaturePayload(feed.id, observedAt, value)) };
      });
      const reply = await slim.call('POST', `/api/v11/external/feeds/${feed.id}/observations`, { as: PROVIDER_A, body: { readings } });
      if (reply.status !== 200) throw new Error(`push failed: ${reply.status} ${JSON.stringify(reply.body)}`);
      const results = (reply.body as { results: Array<{ decision: string }> }).results;
      evaluated += results.length;
      accepted += results.filter((r) => r.decision === 'accepted').length;
    }
    const seconds = (performance.now() - started) / 1000;
    return { ingestReadings: evaluated, ingestAccepted: accepted, ingestBatchSize: INGEST_BATCH_SIZE, ingestObsPerSec: Math.round(evaluated / seconds) };
  } finally {
    await slim.close();
  }
}

/**
 * The quality chain: (a) runQualityChain over a prebuilt weather/IoT/market mix on one core,
 * side by side with the format step alone; (b) one slim worker evaluating and recording pushed
 * readings end to end (HTTP, chain, PGlite transaction, outbox).
 */
export async function qualityBench() {
  const chain = chainThroughput();
  const ingest = await ingestThroughput();
  return {
    mixSize: MIX_SIZE,
    historyValues: HISTORY_VALUES,
    peers: PEERS,
    chainObsPerSecPerCoreTarget: CHAIN_OBS_PER_SEC_TARGET,
    ...chain,
    chainMeetsTarget: chain.chainObsPerSecPerCore >= CHAIN_OBS_PER_SEC_TARGET,
    ...ingest,
  };
}
