import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_SECRET } from '../support.ts';

const REDIS_URL = process.env.TEST_REDIS_URL;
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

const GLOBAL_PER_S = 20;
const GATEWAYS = 3;
/** Offered load, spread over the three gateways: six times the limit, twice what three local limits admit. */
const OFFERED_PER_S = 120;
const TICK_MS = 25;
const DURATION_MS = 3_000;
const REQUESTS_MAX = (OFFERED_PER_S * DURATION_MS) / 1_000;
/** tsx compiles the sources at start; on a busy two-core machine that has taken over a minute. */
const START_TIMEOUT_MS = 240_000;

interface GatewayProcess {
  url: string;
  child: ChildProcess;
}

/** One gateway as its own process (`bin/role.ts gateway`), on a free loopback port read from its log. */
function spawnGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/role.ts', 'gateway'], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CLUSTER_SECRET,
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: 'memory://',
      LOG_LEVEL: 'info',
      HEALTH_PROBE_INTERVAL_MS: '60000',
      GATEWAY_RATE_GLOBAL_PER_S: String(GLOBAL_PER_S),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"gateway listening"/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ url: match[1], child });
      }
    });
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
  });
}

async function stopAll(gateways: readonly GatewayProcess[]): Promise<void> {
  await Promise.all(
    gateways.map(
      (g) =>
        new Promise<void>((resolve) => {
          if (g.child.exitCode !== null) return resolve();
          g.child.once('exit', () => resolve());
          g.child.kill('SIGTERM');
        }),
    ),
  );
}

interface Burst {
  sent: number;
  admitted: number;
  refused: number;
  /** 1 s windows from the first request sent to the last answer received. */
  windows: number;
}

/**
 * Requests spread evenly over the gateways at OFFERED_PER_S for DURATION_MS. Each tick sends what
 * the elapsed time calls for, so a late timer on a busy machine does not lower the load offered.
 * Every answer is awaited (5 s bound each).
 */
async function burst(urls: readonly string[]): Promise<Burst> {
  const answers: Promise<number>[] = [];
  const firstSentMs = Date.now();
  for (let elapsedMs = 0; elapsedMs < DURATION_MS; elapsedMs = Date.now() - firstSentMs) {
    const due = Math.min(REQUESTS_MAX, Math.floor(((elapsedMs + TICK_MS) * OFFERED_PER_S) / 1_000));
    while (answers.length < due) {
      const url = urls[answers.length % urls.length] as string;
      answers.push(
        fetch(`${url}/api/v11/info`, { signal: AbortSignal.timeout(5_000) }).then(
          async (r) => {
            await r.arrayBuffer();
            return r.status;
          },
          () => 0,
        ),
      );
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  const statuses = await Promise.all(answers);
  const lastReceivedMs = Date.now();
  return {
    sent: statuses.length,
    admitted: statuses.filter((s) => s === 200).length,
    refused: statuses.filter((s) => s === 429).length,
    windows: Math.floor(lastReceivedMs / 1_000) - Math.floor(firstSentMs / 1_000) + 1,
  };
}

describe.skipIf(REDIS_URL === undefined)('three gateway processes sharing one Redis', () => {
  const prefix = `test:three:${process.pid}:${randomUUID()}`;
  const running: GatewayProcess[] = [];
  const keep = (g: GatewayProcess) => {
    running.push(g);
    return g;
  };
  afterAll(async () => {
    await stopAll(running);
    const redis = new Redis(REDIS_URL ?? '');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('admit together what one limit allows, where three without Redis admit about three times as much', async () => {
    // One trio at a time: six processes starting at once starve whatever else runs on the machine.
    const shared = await Promise.all(Array.from({ length: GATEWAYS }, () => spawnGateway({ REDIS_URL: REDIS_URL ?? '', GATEWAY_RATE_KEY_PREFIX: prefix }).then(keep)));
    const withRedis = await burst(shared.map((g) => g.url));
    await stopAll(shared);
    const alone = await Promise.all(Array.from({ length: GATEWAYS }, () => spawnGateway({}).then(keep)));
    const withoutRedis = await burst(alone.map((g) => g.url));

    console.info(`limit ${GLOBAL_PER_S}/s; shared: ${JSON.stringify(withRedis)}; each on its own: ${JSON.stringify(withoutRedis)}`);
    expect(withRedis.refused).toBeGreaterThan(0);
    // A sliding window admits at most the limit in any one fixed window; 5% for what the clocks of three processes may disagree on.
    expect(withRedis.admitted).toBeLessThanOrEqual(Math.ceil(GLOBAL_PER_S * withRedis.windows * 1.05));
    expect(withRedis.admitted).toBeGreaterThanOrEqual(GLOBAL_PER_S * (withRedis.windows - 2));
    // The control: the same load on three gateways counting alone gets far more than one limit through.
    expect(withoutRedis.admitted).toBeGreaterThan(GLOBAL_PER_S * withoutRedis.windows * 1.5);
  }, 400_000);
});
