import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuedKey } from '../../../schemas/index.ts';
import { TEST_DATABASE_URL, dropSchema, uniqueSchema } from '../../support/databases.ts';
import { freePorts } from '../../support/free-ports.ts';
import { ADMIN_KEY, CLUSTER_SECRET, startFakeUpstream, type FakeUpstream } from '../support.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** tsx compiles the sources in every process at start; on a busy two-core machine that takes long. */
const START_TIMEOUT_MS = 240_000;
const WAIT_STEP_MS = 100;
const ASSET_PATH = '/api/v11/state/assets/cluster-asset';
const ASSET_ROUTE = '/api/v11/state/assets/:id';

interface Answer {
  status: number;
  body: string;
}

/** One request on a connection of its own, so the cluster hands each to the next process. */
function once(url: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: init.method ?? 'GET', headers: { connection: 'close', ...init.headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Live gateway processes started by a process (not tsx's compiler service), from /proc. */
function workersOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== pid || fields[0] === 'Z') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('bin/role.ts')) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = START_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
  }
}

/** The sum of a counter's series whose labels include `route`, in a Prometheus exposition. */
function counted(exposition: string, metric: string, route: string): number {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${metric}{`) && line.includes(`route="${route}"`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe.skipIf(TEST_DATABASE_URL === undefined)('a gateway of two processes (GATEWAY_WORKERS=2)', () => {
  const url = TEST_DATABASE_URL as string;
  const schema = uniqueSchema('gateway_cluster');
  let upstream: FakeUpstream;
  let primary: ChildProcess;
  let gatewayUrl = '';
  let output = '';

  /** A few requests, each on its own connection, all answered 200; a refused connection fails with the gateway's log. */
  const everyAnswerOk = async (): Promise<true | undefined> => {
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() =>
        once(gatewayUrl, '/api/v11/health').catch((e: unknown) => {
          throw new Error(`${String(e)}; the gateway's log ends:\n${output.slice(-3000)}`);
        }),
      ),
    );
    return answers.every((a) => a.status === 200) ? true : undefined;
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream('validator');
    primary = spawn(process.execPath, ['--import', 'tsx', 'bin/role.ts', 'gateway'], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        CLUSTER_SECRET,
        ADMIN_API_KEY: ADMIN_KEY,
        HOST: '127.0.0.1',
        // A fixed port: with every worker gone the listening socket closes, and replacements must bind it again.
        PORT: String((await freePorts(1))[0]),
        DATABASE_URL: url,
        DB_SCHEMA: schema,
        DIRECTORY_NAMESPACE: schema,
        GATEWAY_WORKERS: '2',
        VALIDATOR_URLS: upstream.url,
        HEALTH_PROBE_INTERVAL_MS: '200',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    primary.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    primary.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    gatewayUrl = await until('the gateway processes to start', () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"gateway processes started"/.exec(output)?.[1]);
    // Both workers have probed the upstream: every process proxies.
    await until('both processes to proxy', everyAnswerOk);
  }, START_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    if (primary !== undefined && primary.exitCode === null) {
      primary.kill('SIGKILL');
      for (const worker of workersOf(primary.pid ?? -1)) process.kill(worker, 'SIGKILL');
    }
    await upstream?.close();
    await dropSchema(url, schema);
  });

  it('runs two worker processes under one primary', () => {
    expect(workersOf(primary.pid!)).toHaveLength(2);
  });

  it('authenticates on every process a key issued through one of them', async () => {
    const issued = await once(gatewayUrl, '/api/v11/auth/keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'dapp', label: 'cluster test' }),
    });
    expect(issued.status).toBe(201);
    const { key } = IssuedKey.parse(JSON.parse(issued.body));
    const answers = await Promise.all(Array.from({ length: 8 }, () => once(gatewayUrl, ASSET_PATH, { headers: { authorization: `Bearer ${key}` } })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
  });

  it('serves /metrics counting the requests of every process, merged', async () => {
    const before = counted((await once(gatewayUrl, '/metrics')).body, 'gateway_http_requests_total', ASSET_ROUTE);
    // Unauthenticated: answered 401 by whichever process takes the connection, and counted there.
    for (let i = 0; i < 10; i++) expect((await once(gatewayUrl, ASSET_PATH)).status).toBe(401);
    const after = counted((await once(gatewayUrl, '/metrics')).body, 'gateway_http_requests_total', ASSET_ROUTE);
    expect(after - before).toBe(10);
  });

  it('replaces a worker that dies, and keeps serving', async () => {
    const [victim, survivor] = workersOf(primary.pid!);
    process.kill(victim!, 'SIGKILL');
    const replaced = await until('a replacement worker', () => {
      const now = workersOf(primary.pid!);
      return now.length === 2 && !now.includes(victim!) && now.includes(survivor!) ? now : undefined;
    });
    expect(replaced).toHaveLength(2);
    await until('the replacement to serve', everyAnswerOk);
  }, START_TIMEOUT_MS);

  it('replaces every worker when all die at once, on the same port', async () => {
    const dead = workersOf(primary.pid!);
    for (const pid of dead) process.kill(pid, 'SIGKILL');
    await until('replacements for every worker', () => {
      const now = workersOf(primary.pid!);
      return now.length === 2 && now.every((pid) => !dead.includes(pid)) ? now : undefined;
    });
    await until('the replacements to serve', () => everyAnswerOk().catch(() => undefined));
    expect(primary.exitCode).toBeNull();
  }, START_TIMEOUT_MS);

  it('stops every worker and exits 0 on SIGTERM', async () => {
    const workers = workersOf(primary.pid!);
    const exited = new Promise<number | null>((resolve) => primary.once('exit', (code) => resolve(code)));
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(workers.filter(existsProcess)).toEqual([]);
  }, 30_000);
});

function existsProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
