/**
 * Gateway throughput and latency, side by side in one run: the upstream hit directly, nginx
 * proxying to it with limit_req, the gateway (API key auth, in-process rate limits, breakers)
 * proxying to it, and the floor of a Node proxy on the gateway's stack (bench/gateway/bare-proxy.ts:
 * node:http and undici with no logic, as many processes), which bounds what the gateway can reach. Each of the four runs in its own process (the gateway as the real `gateway`
 * role): the load generator never shares an event loop with what it measures. nginx runs as many
 * worker processes as the gateway runs processes: one per core (GATEWAY_WORKERS) when Postgres is
 * at hand (TEST_DATABASE_URL or DATABASE_URL: several gateway processes share their keys there),
 * else one each. BENCH_GATEWAY_WORKERS overrides the count. Loopback only.
 *
 * BENCH_GATEWAY_CPU_PROF_DIR=<dir> also writes a CPU profile of the gateway there (node --cpu-prof).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IssuedKey } from '../schemas/index.ts';
import { cpuTimeMs } from './gateway/cpu-time.ts';
import { runLoad, type LoadResult } from './gateway/load.ts';
import { findOrInstallNginx, startNginx } from './gateway/nginx.ts';

const CONNECTIONS = 50;
/** Each measured run; the targets take turns, ROUNDS times, so a neighbour's burst on this shared machine hits them alike. */
const DURATION_S = 4;
const ROUNDS = 3;
/** Each target first gets a run of its own, unmeasured: JIT (the gateway's code is compiled as it runs), connection pools, keep-alive sockets. */
const WARMUP_S = 3;
/** Generous: the gateway opens its embedded database first, which takes long on a busy machine. */
const START_TIMEOUT_MS = 90_000;
const POLL_INTERVAL_MS = 100;
/** On, but far above what two cores can push through any of the three, so nothing is refused. */
const RATE_LIMIT_PER_S = 1_000_000;
const NGINX_UPSTREAM_KEEPALIVE = 64;
const CLUSTER_SECRET = 'bench-cluster-secret-0123456789';
const ADMIN_KEY = 'ok_bench-admin-key-0123456789abcdefghijkl';
const ASSET_PATH = '/api/v11/state/assets/bench-asset';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Target: at least this share of nginx's requests per second… */
const RPS_SHARE_OF_NGINX_MIN = 0.75;
/** …with a p99 latency no more than this multiple of nginx's. */
const P99_MULTIPLE_OF_NGINX_MAX = 2;

/** Where several gateway processes keep their shared keys; none: one process on the embedded database. */
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const WORKERS = Number(process.env.BENCH_GATEWAY_WORKERS ?? (DATABASE_URL === undefined ? 1 : cpus().length));

export async function gatewayBench(): Promise<Record<string, unknown>> {
  if (!Number.isInteger(WORKERS) || WORKERS < 1) throw new Error(`BENCH_GATEWAY_WORKERS must be a positive integer, not ${process.env.BENCH_GATEWAY_WORKERS}`);
  if (WORKERS > 1 && DATABASE_URL === undefined) throw new Error('more than one gateway process needs TEST_DATABASE_URL or DATABASE_URL (Postgres)');
  const dir = mkdtempSync(join(tmpdir(), 'gateway-bench-'));
  const children: ChildProcess[] = [];
  const cpuProfDir = process.env.BENCH_GATEWAY_CPU_PROF_DIR;
  try {
    const upstream = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/gateway/upstream.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(upstream);
    const upstreamPort = await firstJsonLine(upstream, (o) => (typeof o.port === 'number' ? o.port : undefined));
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;

    const gatewayPort = await freePort();
    const gateway = spawn(
      process.execPath,
      [...(cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`]), '--import', 'tsx', join(ROOT, 'bin/role.ts'), 'gateway'],
      { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: gatewayEnv(gatewayPort, upstreamUrl) },
    );
    children.push(gateway);
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    await waitFor(async () => (await fetch(`${gatewayUrl}/livez`).catch(() => null))?.ok === true, 'the gateway to listen');
    const key = await issueKey(gatewayUrl);
    const auth = { authorization: `Bearer ${key}` };
    // The first health probe marks the upstream up; until then the route answers 503.
    await waitFor(async () => (await fetch(`${gatewayUrl}${ASSET_PATH}`, { headers: auth }).catch(() => null))?.status === 200, 'the upstream to be healthy');

    const bare = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/gateway/bare-proxy.ts'), upstreamUrl, String(WORKERS)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(bare);
    const bareUrl = `http://127.0.0.1:${await firstJsonLine(bare, (o) => (typeof o.port === 'number' ? o.port : undefined))}`;

    const nginxBinary = findOrInstallNginx();
    let nginxUrl: string | null = null;
    let nginxPid: number | undefined;
    if (nginxBinary.ok) {
      const nginxPort = await freePort();
      const nginx = startNginx(nginxBinary.path, {
        dir: join(dir, 'nginx'),
        port: nginxPort,
        upstreamPort,
        rateLimitPerS: RATE_LIMIT_PER_S,
        upstreamKeepaliveConnections: NGINX_UPSTREAM_KEEPALIVE,
        workers: WORKERS,
      });
      children.push(nginx);
      nginxPid = nginx.pid;
      nginxUrl = `http://127.0.0.1:${nginxPort}`;
      await waitFor(async () => (await fetch(`${nginxUrl}${ASSET_PATH}`).catch(() => null))?.status === 200, 'nginx to proxy');
    }

    /** One measured run of one target, with the CPU time its serving process (`pid`) spent on it. */
    const measure = async (url: string, pid: number | undefined, headers: Record<string, string>): Promise<Measured> => {
      const cpuBeforeMs = cpuTimeMs(pid);
      const load = await runLoad({ url, connections: CONNECTIONS, durationS: DURATION_S, headers });
      const cpuAfterMs = cpuTimeMs(pid);
      if (cpuBeforeMs === null || cpuAfterMs === null) return { ...load, userMs: null, systemMs: null };
      return { ...load, userMs: cpuAfterMs.userMs - cpuBeforeMs.userMs, systemMs: cpuAfterMs.systemMs - cpuBeforeMs.systemMs };
    };
    const directTarget: Target = { url: `${upstreamUrl}${ASSET_PATH}`, pid: upstream.pid, headers: {}, runs: [] };
    const nginxTarget: Target | null = nginxUrl === null ? null : { url: `${nginxUrl}${ASSET_PATH}`, pid: nginxPid, headers: {}, runs: [] };
    const gatewayTarget: Target = { url: `${gatewayUrl}${ASSET_PATH}`, pid: gateway.pid, headers: auth, runs: [] };
    const bareTarget: Target = { url: `${bareUrl}${ASSET_PATH}`, pid: bare.pid, headers: {}, runs: [] };
    const targets = [directTarget, ...(nginxTarget === null ? [] : [nginxTarget]), gatewayTarget, bareTarget];
    for (const t of targets) await runLoad({ url: t.url, connections: CONNECTIONS, durationS: WARMUP_S, headers: t.headers });
    const loadAverages: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      loadAverages.push(Math.round(loadavg()[0]! * 100) / 100);
      for (const t of targets) t.runs.push(await measure(t.url, t.pid, t.headers));
    }
    const direct = summarize(directTarget.runs);
    const viaNginx = nginxTarget === null ? null : summarize(nginxTarget.runs);
    const viaGateway = summarize(gatewayTarget.runs);
    const viaBare = summarize(bareTarget.runs);

    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    return {
      setup: {
        connections: CONNECTIONS,
        durationS: DURATION_S,
        rounds: ROUNDS,
        warmupS: WARMUP_S,
        summary: 'requests/s and latencies: the median of the rounds; CPU time per request: over all rounds',
        path: ASSET_PATH,
        gateway: `the gateway role as ${WORKERS === 1 ? 'one Node process' : `${WORKERS} Node worker processes (GATEWAY_WORKERS), keys in Postgres`}: API key auth, in-process global and per-key rate limits, per-upstream breakers, LOG_LEVEL=warn`,
        nginx: `worker_processes ${WORKERS}, limit_req on, keep-alive to the upstream, access_log off`,
        bareProxy: `${WORKERS} node:http process(es) dispatching to an undici Pool, no logic: the floor of the gateway's stack`,
        cpuTime: 'of the serving process and its children (nginx and gateway workers), not the upstream',
        cpus: cpus().length,
      },
      gatewayWorkers: WORKERS,
      nginxWorkers: WORKERS,
      /** The 1-minute load average at the start of each round: how busy the machine was meanwhile. */
      loadAverages,
      directRps: direct.rps,
      nginxRps: viaNginx?.rps ?? null,
      gatewayRps: viaGateway.rps,
      directP50Ms: direct.p50Ms,
      directP99Ms: direct.p99Ms,
      nginxP50Ms: viaNginx?.p50Ms ?? null,
      nginxP99Ms: viaNginx?.p99Ms ?? null,
      gatewayP50Ms: viaGateway.p50Ms,
      gatewayP99Ms: viaGateway.p99Ms,
      gatewayRpsShareOfNginx: viaNginx === null ? null : ratio(viaGateway.rps, viaNginx.rps),
      gatewayP99MultipleOfNginx: viaNginx === null ? null : ratio(viaGateway.p99Ms, Math.max(viaNginx.p99Ms, 1)),
      gatewayRpsShareOfDirect: ratio(viaGateway.rps, direct.rps),
      bareProxyRps: viaBare.rps,
      bareProxyP99Ms: viaBare.p99Ms,
      /** The most any gateway on node:http and undici could reach here, as a share of nginx. */
      bareProxyRpsShareOfNginx: viaNginx === null ? null : ratio(viaBare.rps, viaNginx.rps),
      bareProxyP99MultipleOfNginx: viaNginx === null ? null : ratio(viaBare.p99Ms, Math.max(viaNginx.p99Ms, 1)),
      gatewayRpsShareOfBareProxy: ratio(viaGateway.rps, viaBare.rps),
      // CPU time of the serving process alone per request (the proxies' figures exclude the upstream's share).
      directCpuUsPerRequest: direct.cpuUsPerRequest,
      nginxCpuUsPerRequest: viaNginx?.cpuUsPerRequest ?? null,
      gatewayCpuUsPerRequest: viaGateway.cpuUsPerRequest,
      bareProxyCpuUsPerRequest: viaBare.cpuUsPerRequest,
      /** Of that CPU time, the share spent in the kernel (sockets). */
      systemCpuShare: { direct: direct.systemCpuShare, nginx: viaNginx?.systemCpuShare ?? null, gateway: viaGateway.systemCpuShare, bareProxy: viaBare.systemCpuShare },
      targetMet:
        viaNginx === null
          ? null
          : viaGateway.rps >= RPS_SHARE_OF_NGINX_MIN * viaNginx.rps && viaGateway.p99Ms <= P99_MULTIPLE_OF_NGINX_MAX * Math.max(viaNginx.p99Ms, 1),
      nginxSkippedReason: nginxBinary.ok ? null : nginxBinary.reason,
      failures: { direct: failures(direct), nginx: viaNginx === null ? null : failures(viaNginx), gateway: failures(viaGateway), bareProxy: failures(viaBare) },
    };
  } finally {
    await Promise.all(children.map(stop));
    rmSync(dir, { recursive: true, force: true });
  }
}

type Measured = LoadResult & { userMs: number | null; systemMs: number | null };

interface Target {
  url: string;
  pid: number | undefined;
  headers: Record<string, string>;
  runs: Measured[];
}

interface Summary {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  cpuUsPerRequest: number | null;
  systemCpuShare: number | null;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** The rounds of one target: medians of throughput and latency, failures and CPU time summed over all. */
function summarize(runs: readonly Measured[]): Summary {
  const sum = (pick: (r: Measured) => number) => runs.reduce((n, r) => n + pick(r), 0);
  const requests = sum((r) => r.requests);
  const measured = runs.every((r) => r.userMs !== null && r.systemMs !== null) && requests > 0;
  const userMs = sum((r) => r.userMs ?? 0);
  const systemMs = sum((r) => r.systemMs ?? 0);
  return {
    rps: median(runs.map((r) => r.rps)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    cpuUsPerRequest: measured ? Math.round(((userMs + systemMs) * 1000) / requests) : null,
    systemCpuShare: measured && userMs + systemMs > 0 ? Math.round((systemMs / (userMs + systemMs)) * 100) / 100 : null,
  };
}

const failures = (r: Summary) => ({ non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts });

function gatewayEnv(port: number, upstreamUrl: string): NodeJS.ProcessEnv {
  // A clean environment: no REDIS_URL from the caller, so limits are in-process; Postgres only for several processes.
  const storage = WORKERS === 1 ? { DATA_DIR: 'memory://' } : { DATABASE_URL, DB_SCHEMA: 'gateway_bench', GATEWAY_WORKERS: String(WORKERS) };
  return {
    ...storage,
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ROLE: 'gateway',
    HOST: '127.0.0.1',
    PORT: String(port),
    CLUSTER_SECRET,
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: 'warn',
    VALIDATOR_URLS: upstreamUrl,
    HEALTH_PROBE_INTERVAL_MS: '1000',
    GATEWAY_RATE_GLOBAL_PER_S: String(RATE_LIMIT_PER_S),
    GATEWAY_RATE_TIERS: JSON.stringify({ dapp: `${RATE_LIMIT_PER_S}/s` }),
  };
}

async function issueKey(gatewayUrl: string): Promise<string> {
  const res = await fetch(`${gatewayUrl}/api/v11/auth/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'dapp', label: 'gateway bench' }),
  });
  if (res.status !== 201) throw new Error(`issuing the bench key answered ${res.status}: ${await res.text()}`);
  return IssuedKey.parse(await res.json()).key;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(ready: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

/** The first line of a child's stdout that parses as JSON and yields a value. */
function firstJsonLine<T>(child: ChildProcess, pick: (o: Record<string, unknown>) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('the child printed nothing usable in time')), START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`the child exited ${code} before it was ready`)));
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString('utf8');
      for (const line of buffered.split('\n').slice(0, -1)) {
        try {
          const value = pick(JSON.parse(line) as Record<string, unknown>);
          if (value !== undefined) {
            clearTimeout(timer);
            resolve(value);
          }
        } catch {
          // not JSON: keep reading
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
  });
}

const STOP_GRACE_MS = 10_000;

/** SIGTERM, and SIGKILL if it has not exited in time (the gateway writes its CPU profile on exit). */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
