import { loadConfig } from '../../runtime/config.ts';
import { createLogger, type Logger } from '../../runtime/logger.ts';
import type { RunningNode } from '../../runtime/node.ts';
import { startDemoSource, type DemoSource } from '../../demo/open-meteo-server.ts';
import { ROLE_STARTERS } from '../../bin/roles.ts';
import { IssuedKey, type FeedRegistration, type Role } from '../../schemas/index.ts';
import { TEST_DATABASE_URL, dropSchema, tempDir, uniqueSchema } from './databases.ts';

export const ADMIN_KEY = 'ok_test-admin-key-0123456789abcdefghijklmnop';

export interface TestNetwork {
  gateway: RunningNode;
  validator: RunningNode;
  slim: RunningNode;
  source: DemoSource;
  api: string;
  stop(): Promise<void>;
}

/**
 * Every role on an ephemeral loopback port, talking real HTTP, each with its own storage:
 * PGlite in a temp directory, or schemas in the real PostgreSQL when `postgresUrl` is given.
 */
export async function startTestNetwork(
  options: { postgresUrl?: string | undefined; env?: Record<string, string>; logger?: (role: 'validator' | 'slim' | 'gateway') => Logger } = {},
): Promise<TestNetwork> {
  const dir = tempDir('network');
  const schemas: string[] = [];
  const common = {
    CLUSTER_SECRET: 'test-cluster-secret-0123456789',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: dir.path,
    BLOCK_INTERVAL_MS: '100',
    CHANNEL_RETRY_MS: '100',
    // Nodes of this network announce to, and its gateway reads, a directory no other test run shares.
    DIRECTORY_NAMESPACE: uniqueSchema('network'),
    ...(options.postgresUrl === undefined ? {} : { DATABASE_URL: options.postgresUrl }),
    ...options.env,
  };
  const start = async (role: 'validator' | 'slim' | 'gateway', env: Record<string, string>) => {
    const schema = uniqueSchema(`e2e_${role}`);
    schemas.push(schema);
    const config = loadConfig({ ...common, ...env, DB_SCHEMA: schema, DATA_DIR: `${dir.path}/${role}` }, role);
    return ROLE_STARTERS[role](config, options.logger?.(role) ?? createLogger(role, 'silent'));
  };
  const source = await startDemoSource();
  const validator = await start('validator', {});
  const slim = await start('slim', { VALIDATOR_URLS: validator.url, SOURCE_ORIGINS_ALLOWED: source.url });
  const gateway = await start('gateway', { VALIDATOR_URLS: validator.url, SLIM_URLS: slim.url, ADMIN_API_KEY: ADMIN_KEY });
  return {
    gateway,
    validator,
    slim,
    source,
    api: `${gateway.url}/api/v11`,
    async stop() {
      await gateway.close();
      await slim.close();
      await validator.close();
      await source.close();
      if (options.postgresUrl !== undefined) for (const s of schemas) await dropSchema(options.postgresUrl, s);
      dir.remove();
    },
  };
}

export { TEST_DATABASE_URL };

/** Issues one key per role through the gateway (as the admin), into `keys`; fails on any answer but 201. */
export async function issueKeys<R extends Role>(api: string, keys: Record<R, string>, label: string): Promise<void> {
  for (const role of Object.keys(keys) as R[]) {
    const issued = await call(`${api}/auth/keys`, { method: 'POST', key: ADMIN_KEY, body: { role, label: `${label} ${role}` } });
    if (issued.status !== 201) throw new Error(`issuing a ${role} key answered ${issued.status}: ${JSON.stringify(issued.body)}`);
    keys[role] = IssuedKey.parse(issued.body).key;
  }
}

/** A pull feed of Berlin's temperature from the network's demo Open-Meteo source, fetched every second. */
export const berlinWeatherFeed = (sourceUrl: string): FeedRegistration => ({
  name: 'Berlin temperature',
  category: 'weather',
  assetId: 'weather-berlin',
  source: { adapter: 'open-meteo', params: { latitude: 52.52, longitude: 13.405, timezone: 'Europe/Berlin', metric: 'temperature_2m', baseUrl: sourceUrl } },
  schedule: { intervalMs: 1_000 },
  quality: {},
});

/** Polls `probe` until it yields a value, within a bounded number of attempts. */
export async function eventually<T>(probe: () => Promise<T | undefined>, attempts = 100, pauseMs = 200): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  throw new Error(`condition not met after ${attempts} attempts`);
}

export interface Reply {
  status: number;
  body: unknown;
  headers: Headers;
}

export async function call(url: string, init: { method?: string; key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
  if (init.body !== undefined || init.rawBody !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.rawBody ?? (init.body === undefined ? null : JSON.stringify(init.body)),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers };
}
