/**
 * The staged load test: the compose topology as processes (3 validators, 2 business nodes,
 * 2 slim workers, the gateway on the local PostgreSQL and Redis), driven through the gateway at
 * the platform's five stages (10, 50, 100, 500 req/s, then 10 again) by an open-model generator
 * with a realistic mix of routes. Reports per stage the achieved rate, p50/p95/p99 latency, and
 * the error and 429 counts. Loopback only; bounded by the stage lengths.
 *
 * BENCH_LOAD_STAGE_S (default 15) sets each stage's length; BENCH_LOAD_DATABASE_URL and
 * BENCH_LOAD_REDIS_URL (default TEST_DATABASE_URL/TEST_REDIS_URL, else the local servers) where it runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchTopology, type LaunchedTopology } from '../bin/topology/launch.ts';
import { ensureDemo } from '../demo/bootstrap.ts';
import { startDemoSource, type DemoSource } from '../demo/open-meteo-server.ts';
import { ConsensusStatus, GatewayInfo, IssuedKey } from '../schemas/index.ts';
import { OpenLoadGenerator } from './load/generator.ts';
import { presignedTransactions, registerAssetBody } from './load/transactions.ts';
import { buildRequest, createMix, ROUTE_WEIGHTS, ROUTES, type LoadFixtures, type LoadProvider, type RouteName } from './load/mix.ts';

/** The platform's stages, in requests per second. */
const STAGES_RPS = [10, 50, 100, 500, 10] as const;
const STAGE_S_DEFAULT = 15;
const WARMUP_RPS = 10;
const WARMUP_S = 5;
/** Distinct clients: each provider registers its own feeds and device; dApps only read. */
const PROVIDERS = 4;
const DAPP_KEYS = 32;
const START_TIMEOUT_MS = 300_000;
/** The demo weather feeds are fetched every 15 s: the first attestation comes within a few rounds. */
const FIRST_ATTESTATION_TIMEOUT_MS = 120_000;

const stageS = Number(process.env.BENCH_LOAD_STAGE_S ?? STAGE_S_DEFAULT);

export async function loadBench(): Promise<Record<string, unknown>> {
  if (!Number.isFinite(stageS) || stageS <= 0 || stageS > 120) throw new Error(`BENCH_LOAD_STAGE_S must be 1–120 seconds, not ${process.env.BENCH_LOAD_STAGE_S}`);
  const dir = mkdtempSync(join(tmpdir(), 'load-bench-'));
  let source: DemoSource | undefined;
  let topology: LaunchedTopology | undefined;
  let generator: OpenLoadGenerator | undefined;
  try {
    source = await startDemoSource('127.0.0.1', 0);
    console.log('starting the compose topology as processes ...');
    topology = await launchTopology({
      databaseUrl: process.env.BENCH_LOAD_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      redisUrl: process.env.BENCH_LOAD_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      dir,
      timeoutMs: START_TIMEOUT_MS,
      env: { SOURCE_ORIGINS_ALLOWED: source.url, LOG_LEVEL: 'warn' },
    });
    const gatewayUrl = topology.state.gatewayUrl;
    const chainId = GatewayInfo.parse(await (await fetch(`${gatewayUrl}/api/v11/info`)).json()).chainId;
    let transactions: (() => string) | undefined;
    const fixtures = await setUpClients(gatewayUrl, topology.state.adminKey, source.url, () => (transactions ?? (() => registerAssetBody(chainId)))());
    await waitFirstAttestation(gatewayUrl, fixtures);

    // Routes that do not answer 2xx once, unloaded, are left out (and said so) rather than counted as errors.
    generator = new OpenLoadGenerator(gatewayUrl);
    const routes: RouteName[] = [];
    const leftOut: Record<string, number> = {};
    for (const route of ROUTES) {
      const status = await probeRoute(gatewayUrl, buildRequest(route, fixtures, Math.random));
      if (status >= 200 && status < 300) routes.push(route);
      else leftOut[route] = status;
    }
    if (routes.includes('transactionSubmit')) {
      // Enough for every stage's share, signed now so the generator keeps its rate.
      const share = ROUTE_WEIGHTS.transactionSubmit / routes.reduce((sum, r) => sum + ROUTE_WEIGHTS[r], 0);
      const count = Math.ceil(([WARMUP_RPS * WARMUP_S, ...STAGES_RPS.map((rps) => rps * stageS)].reduce((a, b) => a + b, 0) * share * 1.2));
      console.log(`signing ${count} transactions ...`);
      transactions = presignedTransactions(chainId, count);
    }
    const next = createMix(routes, fixtures);
    console.log(`mix: ${routes.map((r) => `${r} ${ROUTE_WEIGHTS[r]}`).join(', ')}${Object.keys(leftOut).length > 0 ? `; left out: ${JSON.stringify(leftOut)}` : ''}`);
    await generator.runStage({ targetRps: WARMUP_RPS, durationS: WARMUP_S, next });

    const loadBefore = loadavg().map((x) => Math.round(x * 10) / 10);
    const stages = [];
    for (const targetRps of STAGES_RPS) {
      await refreshHeight(gatewayUrl, fixtures);
      const report = await generator.runStage({ targetRps, durationS: stageS, next });
      console.log(
        `stage ${targetRps} req/s: achieved ${report.achievedRps}, p50 ${report.p50Ms} ms, p95 ${report.p95Ms} ms, p99 ${report.p99Ms} ms, errors ${report.errors}, 429 ${report.limited}`,
      );
      stages.push(report);
    }
    return {
      stages,
      stageDurationS: stageS,
      mix: Object.fromEntries(routes.map((r) => [r, ROUTE_WEIGHTS[r]])),
      routesLeftOut: leftOut,
      clients: { providers: PROVIDERS, dappKeys: DAPP_KEYS },
      topology: topology.state.nodes.map((n) => `${n.name} (${n.role})`),
      generator: 'open model (fixed arrival rate), latency from when each request was due, at most 1,024 in flight, each on its own connection',
      machine: { cores: cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: loadavg().map((x) => Math.round(x * 10) / 10) },
    };
  } finally {
    await generator?.close();
    const code = await topology?.stop();
    if (code !== undefined && code !== 0) console.error(`the topology exited with ${code}`);
    await source?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Holder {
  value: number;
}

async function setUpClients(gatewayUrl: string, adminKey: string, sourceUrl: string, nextTransaction: () => string): Promise<LoadFixtures & { heightHolder: Holder }> {
  const providers: LoadProvider[] = [];
  const dappKeys: string[] = [];
  for (let i = 0; i < PROVIDERS; i++) {
    const demo = await ensureDemo(gatewayUrl, sourceUrl, { adminKey });
    providers.push({
      key: demo.keys.provider,
      pushFeedId: demo.feeds.iot.id,
      device: { id: demo.feeds.iot.deviceId, secret: demo.feeds.iot.deviceSecret },
      weatherFeedId: demo.feeds.weather,
      assetId: 'weather-berlin',
    });
    dappKeys.push(demo.keys.dapp);
  }
  while (dappKeys.length < DAPP_KEYS) {
    const res = await fetch(`${gatewayUrl}/api/v11/auth/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'dapp', label: `load dapp ${dappKeys.length}` }),
    });
    if (!res.ok) throw new Error(`issuing a dapp key answered ${res.status}: ${await res.text()}`);
    dappKeys.push(IssuedKey.parse(await res.json()).key);
  }
  const heightHolder: Holder = { value: 0 };
  return { providers, dappKeys, height: () => heightHolder.value, heightHolder, nextTransaction };
}

async function refreshHeight(gatewayUrl: string, fixtures: { heightHolder: Holder }): Promise<void> {
  const res = await fetch(`${gatewayUrl}/api/v11/consensus/status`);
  if (res.ok) fixtures.heightHolder.value = ConsensusStatus.parse(await res.json()).height;
  else await res.body?.cancel();
}

async function waitFirstAttestation(gatewayUrl: string, fixtures: LoadFixtures): Promise<void> {
  const deadline = Date.now() + FIRST_ATTESTATION_TIMEOUT_MS;
  const provider = fixtures.providers[0]!;
  while (Date.now() < deadline) {
    const res = await fetch(`${gatewayUrl}/api/v11/query/attestations/${provider.weatherFeedId}/latest`, { headers: { authorization: `Bearer ${fixtures.dappKeys[0]}` } });
    await res.body?.cancel();
    if (res.ok) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`no attestation within ${FIRST_ATTESTATION_TIMEOUT_MS / 1000} s`);
}

async function probeRoute(gatewayUrl: string, request: ReturnType<typeof buildRequest>): Promise<number> {
  const res = await fetch(`${gatewayUrl}${request.path}`, { method: request.method, headers: request.headers, body: request.body ?? null });
  await res.body?.cancel();
  return res.status;
}
