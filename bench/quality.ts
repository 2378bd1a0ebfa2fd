import { createHash } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { pushSignaturePayload, type FeedSource, type Observation } from '../schemas/index.ts';
import type { PeerValue, QualityContext } from '../slim/quality/index.ts';
import { contentHashOf, inspectFormat, runQualityChain, signPushPayload } from '../slim/quality/index.ts';
import { addToHistoryWindow, feedHistoryOf, historyWindowOf } from '../slim/storage/observations.ts';
import { settingsOf } from '../slim/evaluate.ts';
import { carbon, iot, market, NOW, realEstate, weather } from '../tests/slim/quality/support.ts';
import { signedReading } from '../demo/iot-device.ts';
import { PROVIDER_A, registerPushFeed, SlimNode } from '../tests/slim/service/support/slim-node.ts';
import { opsPerSec, sideBySide } from './measure.ts';

/** Distinct prebuilt (observation, context) pairs the chain cycles through: enough that no one shape dominates the JIT. */
const MIX_SIZE = 300;
const HISTORY_VALUES = 50;
const PEERS = 5;
const CHAIN_OBS_PER_SEC_TARGET = 250_000;
/** The replay window and clock skew of a signed push (the PUSH_REPLAY_WINDOW_MS and PUSH_CLOCK_SKEW_MS defaults). */
const PUSH_WINDOW_MS = 300_000;
const PUSH_SKEW_MS = 5_000;

const ingestReadings = 2_000;
const INGEST_BATCH_SIZE = 100;

const BENCH_CATEGORIES = ['weather', 'market', 'real_estate', 'carbon', 'iot'] as const;
type BenchCategory = (typeof BENCH_CATEGORIES)[number];
interface BenchCase {
  category: BenchCategory;
  observation: Observation;
  ctx: QualityContext;
}

const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');
const iso = (ms: number) => new Date(ms).toISOString();

const RENTCAST_ADDRESS = '5500 Grand Lake Dr, San Antonio, TX, 78244';

/** Each category's registered source, as a feed of the worker would have it (settings resolve from it). */
const SOURCES: Record<BenchCategory, FeedSource> = {
  weather: { adapter: 'open-meteo', params: { latitude: 52.52, longitude: 13.42, timezone: 'Europe/Berlin', metric: 'temperature_2m', baseUrl: 'https://api.open-meteo.com' } },
  market: { adapter: 'alpaca-stocks', params: { symbol: 'AAPL', feed: 'iex', metric: 'trade_price', baseUrl: 'https://data.alpaca.markets' } },
  real_estate: { adapter: 'rentcast-avm', params: { address: RENTCAST_ADDRESS, metric: 'avm_value', baseUrl: 'https://api.rentcast.io' } },
  carbon: { adapter: 'carbon-intensity-uk', params: { metric: 'intensity', baseUrl: 'https://api.carbonintensity.org.uk' } },
  iot: { adapter: 'push', params: { deviceId: 'sensor-42', metric: 'temperature', unit: '°C' } },
};

/** How old a fresh reading of each category typically is when it is scored (within its SLA and source precision). */
const AGE_MS: Record<BenchCategory, number> = { weather: 30_000, market: 1_000, real_estate: 600_000, carbon: 60_000, iot: 2_000 };

/**
 * One fresh observation of `category` around `level`, its source timestamp `observedMs`. Every
 * case differs in value and timestamps, so no two observations (nor their content hashes) are alike.
 */
function observationOf(category: BenchCategory, level: number, observedMs: number, receivedMs: number): Observation {
  const at = { observedAt: iso(observedMs), receivedAt: iso(receivedMs), value: level };
  switch (category) {
    case 'weather':
      return weather(at, { temperatureC: level });
    case 'market':
      return market({ ...at, source: { adapter: 'alpaca-stocks', url: 'https://data.alpaca.markets/v2/stocks/AAPL/trades/latest?feed=iex', authentication: 'api_key' } }, { symbol: 'AAPL', price: level, bid: level - 0.05, ask: level + 0.05 });
    case 'real_estate':
      return realEstate({ ...at, source: { adapter: 'rentcast-avm', url: 'https://api.rentcast.io/v1/avm/value?address=5500', authentication: 'api_key' } }, { propertyId: RENTCAST_ADDRESS, valuationUsd: level, rangeLowUsd: level * 0.93, rangeHighUsd: level * 1.07 });
    case 'carbon':
      return carbon({ ...at, source: { adapter: 'carbon-intensity-uk', url: 'https://api.carbonintensity.org.uk/intensity', authentication: 'registered_endpoint' } }, { intensityGPerKwh: level, forecastGPerKwh: level + 2, index: 'moderate' });
    case 'iot':
      return iot({ ...at, source: { adapter: 'push', deviceId: 'sensor-42', authentication: 'signed' } }, { reading: level });
  }
}

/** Typical level and relative noise of each category's series. */
const LEVEL: Record<BenchCategory, { level: number; noise: number }> = {
  weather: { level: 3.4, noise: 0.05 },
  market: { level: 190, noise: 0.002 },
  real_estate: { level: 450_000, noise: 0.01 },
  carbon: { level: 150, noise: 0.03 },
  iot: { level: 4.2, noise: 0.02 },
};

/**
 * A realistic mix, one fifth per category (weather from Open-Meteo, US stocks from Alpaca, AVMs from
 * RentCast, GB grid intensity, and signed IoT pushes: an HMAC to verify). Each context carries what
 * the I/O layer would read for it: 50 history values with noise, 50 content hashes, the last source
 * timestamp, 5 fresh peers, the feed's resolved settings; the content hash is computed here, outside
 * the chain, as the Evaluator does. Every case has its own instant and timestamps.
 */
export function mix(): BenchCase[] {
  return Array.from({ length: MIX_SIZE }, (_, i) => {
    const category = BENCH_CATEGORIES[i % BENCH_CATEGORIES.length] as BenchCategory;
    const { level, noise } = LEVEL[category];
    const wave = (k: number) => level * (1 + noise * Math.sin(i * 0.7 + k * 1.3));
    const nowMs = NOW.getTime() + i * 1_000;
    const observedMs = nowMs - AGE_MS[category];
    const value = Math.round(wave(HISTORY_VALUES) * 100) / 100;
    const observation = observationOf(category, value, observedMs, nowMs - 5);
    const source = SOURCES[category];
    const feed = { id: observation.feedId, category, assetId: observation.assetId, status: 'active' as const, source, quality: {} };
    const peers: PeerValue[] = Array.from({ length: PEERS }, (_, k) => ({ feedId: `peer-${k}`, value: value * (1 + (k - 2) * noise * 0.05), observedAt: iso(observedMs - k * 100) }));
    const ctx: QualityContext = {
      now: new Date(nowMs),
      feed,
      // What the worker's read of the feed's history returns (newest first), turned into the context's view by the worker's own code.
      history: feedHistoryOf(
        historyWindowOf(
          Array.from({ length: HISTORY_VALUES }, (_, k) => ({ observedAtMs: observedMs - 1_000 * (k + 1), value: Math.round(wave(HISTORY_VALUES - 1 - k) * 100) / 100 })),
          Array.from({ length: HISTORY_VALUES }, (_, k) => ({ observedAtMs: observedMs - 1_000 * (k + 1), contentHash: sha256Hex(`${i}:${k}`) })),
        ),
      ),
      peers,
      contentHash: contentHashOf(observation),
      settings: settingsOf(feed, {}),
    };
    if (category === 'iot') {
      const secret = sha256Hex(`device-key-${i}`);
      const nonce = `nonce-${String(i).padStart(12, '0')}`;
      const signedPayload = pushSignaturePayload({ deviceId: 'sensor-42', feedId: observation.feedId, observedAt: observation.observedAt, value: observation.value, nonce });
      ctx.push = {
        device: { id: 'sensor-42', assetId: observation.assetId, secret, revokedAt: null },
        signature: signPushPayload(secret, signedPayload),
        signedPayload,
        nonce,
        nonceFirstSeen: true,
        windowMs: PUSH_WINDOW_MS,
        clockSkewMs: PUSH_SKEW_MS,
      };
    }
    return { category, observation, ctx };
  });
}

/** Ops of `fn` over the given cases per call, so opsPerSec counts batches of `cases.length` observations. */
function overCases(cases: readonly BenchCase[], fn: (o: Observation, ctx: QualityContext) => unknown) {
  let sink = 0;
  return () => {
    for (const c of cases) if (fn(c.observation, c.ctx) !== null) sink++;
    if (sink < 0) throw new Error('unreachable');
  };
}

/**
 * Chain throughput on one core, no I/O, against its own first step that every input pays: the format
 * step (its fast path; zod for what the fast path cannot vouch for). Then each category alone, since
 * their costs differ (a signed push is an HMAC).
 */
export function chainThroughput() {
  const cases = mix();
  for (const c of cases) {
    const report = runQualityChain(c.observation, c.ctx);
    if (report.decision !== 'accepted') throw new Error(`bench mix must pass the chain: ${c.category} ${JSON.stringify(report.checks.filter((x) => x.score < 1))}`);
  }
  const r = sideBySide(
    overCases(cases, (o) => inspectFormat(o)),
    overCases(cases, (o, ctx) => runQualityChain(o, ctx)),
    5,
    600,
  );
  const byCategory: Record<string, number> = {};
  for (const category of BENCH_CATEGORIES) {
    const own = cases.filter((c) => c.category === category);
    byCategory[category] = opsPerSec(overCases(own, (o, ctx) => runQualityChain(o, ctx)), 400) * own.length;
  }
  return {
    formatStepObsPerSecPerCore: r.baselineOpsPerSec * MIX_SIZE,
    chainObsPerSecPerCore: r.candidateOpsPerSec * MIX_SIZE,
    chainOverFormatStepRatio: r.ratio,
    chainObsPerSecPerCoreByCategory: byCategory,
  };
}

/**
 * The history part of the context, as the worker builds it for every observation of a batch: the
 * previous reading added to the feed's window (its value inserted into the sorted values, the oldest
 * dropped), then the context's view of the window taken. Measured apart because the chain reads the
 * sorted values this keeps: work moved out of the chain must be counted somewhere.
 */
export function historyThroughput(): number {
  const window = historyWindowOf(
    Array.from({ length: HISTORY_VALUES }, (_, k) => ({ observedAtMs: NOW.getTime() - 1_000 * (k + 1), value: 190 + Math.sin(k) })),
    Array.from({ length: HISTORY_VALUES }, (_, k) => ({ observedAtMs: NOW.getTime() - 1_000 * (k + 1), contentHash: sha256Hex(`h:${k}`) })),
  );
  const hashes = Array.from({ length: MIX_SIZE }, (_, i) => sha256Hex(`new:${i}`));
  let at = NOW.getTime();
  let sink = 0;
  const perMix = () => {
    for (let i = 0; i < MIX_SIZE; i++) {
      at += 1_000;
      addToHistoryWindow(window, { observedAtMs: at, value: 190 + Math.sin(at), contentHash: hashes[i] as string, published: true });
      sink += feedHistoryOf(window).sortedValues.length;
    }
    if (sink < 0) throw new Error('unreachable');
  };
  return opsPerSec(perMix, 1_000) * MIX_SIZE;
}

/** One slim worker over in-memory PGlite; readings pushed over loopback HTTP, signed, in batches. */
export async function ingestThroughput() {
  const slim = await SlimNode.start();
  try {
    // A registered device of the provider, and a push feed naming it: the device's key signs the readings.
    const { feed, device } = await registerPushFeed(slim);
    const batches = ingestReadings / INGEST_BATCH_SIZE;
    let evaluated = 0;
    let accepted = 0;
    let lastObservedMs = 0;
    const started = performance.now();
    for (let b = 0; b < batches; b++) {
      const readings = Array.from({ length: INGEST_BATCH_SIZE }, (_, k) => {
        const i = b * INGEST_BATCH_SIZE + k;
        // Fresh when sent (a second old, however slow the run) and strictly increasing, so every reading is new and in order.
        lastObservedMs = Math.max(Date.now() - 1_000, lastObservedMs + 1);
        const observedAt = new Date(lastObservedMs).toISOString();
        const value = 4 + (i % 10) / 100;
        return signedReading(device, feed.id, observedAt, value);
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
 * The quality chain: (a) runQualityChain over a prebuilt five-category mix on one core,
 * side by side with the format step alone; (b) one slim worker evaluating and recording pushed
 * readings end to end (HTTP, chain, PGlite transaction, outbox).
 */
export async function qualityBench() {
  // These machines are shared: the load says how far the absolute figures are from a quiet core (ratios travel better).
  const loadAverage1mAtStart = Math.round(loadavg()[0] ?? 0);
  const chain = chainThroughput();
  const historyObsPerSecPerCore = historyThroughput();
  const ingest = await ingestThroughput();
  return {
    loadAverage1mAtStart,
    cores: availableParallelism(),
    mixSize: MIX_SIZE,
    mixCategories: BENCH_CATEGORIES,
    historyValues: HISTORY_VALUES,
    peers: PEERS,
    chainObsPerSecPerCoreTarget: CHAIN_OBS_PER_SEC_TARGET,
    ...chain,
    chainMeetsTarget: chain.chainObsPerSecPerCore >= CHAIN_OBS_PER_SEC_TARGET,
    historyObsPerSecPerCore,
    // The chain and the history view the worker builds for it, one after the other on one core.
    chainWithHistoryObsPerSecPerCore: Math.round(1 / (1 / chain.chainObsPerSecPerCore + 1 / historyObsPerSecPerCore)),
    ...ingest,
  };
}
