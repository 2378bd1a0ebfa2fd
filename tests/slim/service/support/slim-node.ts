import { loadConfig, type Config } from '../../../../runtime/config.ts';
import { createLogger } from '../../../../runtime/logger.ts';
import type { RunningNode } from '../../../../runtime/node.ts';
import type { FeedRegistration, Role } from '../../../../schemas/index.ts';
import { startSlim } from '../../../../slim/index.ts';
import { uniqueSchema } from '../../../support/databases.ts';

export const CLUSTER_SECRET = 'slim-test-cluster-secret-0123456789';

export interface Reply {
  status: number;
  body: unknown;
  headers: Headers;
}

export interface As {
  id: string;
  role: Role;
}

export const PROVIDER_A: As = { id: 'key_provider_a', role: 'provider' };
export const PROVIDER_B: As = { id: 'key_provider_b', role: 'provider' };
export const REVIEWER: As = { id: 'key_reviewer_1', role: 'reviewer' };
export const ADMIN: As = { id: 'key_admin', role: 'admin' };

/** A slim worker started exactly as `bin/role.ts slim` would, on an ephemeral port with in-memory PGlite. */
export class SlimNode {
  private constructor(
    readonly node: RunningNode,
    readonly config: Config,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<SlimNode> {
    const config = loadConfig(
      {
        CLUSTER_SECRET,
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: 'memory://',
        DB_SCHEMA: uniqueSchema('slim_test'),
        LOG_LEVEL: 'silent',
        CHANNEL_RETRY_MS: '50',
        ...env,
      },
      'slim',
    );
    return new SlimNode(await startSlim(config, createLogger('slim', 'silent')), config);
  }

  get url(): string {
    return this.node.url;
  }

  close(): Promise<void> {
    return this.node.close();
  }

  /** Calls the worker the way the gateway does: cluster token plus the caller's principal. */
  async call(
    method: string,
    path: string,
    options: { as?: As; body?: unknown; rawBody?: string; token?: string | null } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? CLUSTER_SECRET : options.token;
    if (token !== null) headers['x-cluster-token'] = token;
    if (options.as !== undefined) {
      headers['x-principal-id'] = options.as.id;
      headers['x-principal-role'] = options.as.role;
    }
    if (options.body !== undefined || options.rawBody !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers,
      body: options.rawBody ?? (options.body === undefined ? null : JSON.stringify(options.body)),
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
}

/** Polls until `probe` yields a value; bounded, and no assertion on how long it took. */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, attempts = 150, pauseMs = 100): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  throw new Error(`condition not met after ${attempts} attempts`);
}

export const weatherFeed = (baseUrl: string, over: Partial<FeedRegistration> = {}): FeedRegistration => ({
  name: 'Berlin air temperature',
  category: 'weather',
  assetId: 'weather-berlin',
  source: { adapter: 'open-meteo', params: { latitude: 52.52, longitude: 13.405, timezone: 'UTC', metric: 'temperature_2m', baseUrl } },
  schedule: { intervalMs: 60_000 },
  quality: {},
  ...over,
});

export const pushFeed = (over: Partial<FeedRegistration> = {}): FeedRegistration => ({
  name: 'Reefer container 7',
  category: 'iot',
  assetId: 'container-7',
  source: { adapter: 'push', params: { deviceId: 'reefer-7', metric: 'temperature', unit: '°C' } },
  schedule: { intervalMs: 60_000 },
  quality: { range: { min: -30, max: 10 } },
  ...over,
});
