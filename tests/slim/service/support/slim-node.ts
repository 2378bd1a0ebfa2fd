import { CLUSTER_TOKEN_HEADER, PRINCIPAL_ID_HEADER, PRINCIPAL_ROLE_HEADER } from '../../../../runtime/cluster-auth.ts';
import { loadConfig, type Config } from '../../../../runtime/config.ts';
import { createLogger } from '../../../../runtime/logger.ts';
import type { RunningNode } from '../../../../runtime/node.ts';
import { randomBytes } from 'node:crypto';
import { DeviceCreated, FeedCreated, type FeedRegistration, type Role } from '../../../../schemas/index.ts';
import { startSlim } from '../../../../slim/index.ts';
import { uniqueSchema } from '../../../support/databases.ts';
import { call, type Reply } from '../../../support/network.ts';

export const CLUSTER_SECRET = 'slim-test-cluster-secret-0123456789';

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

  /** Calls the worker the way the gateway does: cluster token plus the caller's principal, on top of the shared `call`. */
  call(method: string, path: string, options: { as?: As; body?: unknown; rawBody?: string; token?: string | null } = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? CLUSTER_SECRET : options.token;
    if (token !== null) headers[CLUSTER_TOKEN_HEADER] = token;
    if (options.as !== undefined) {
      headers[PRINCIPAL_ID_HEADER] = options.as.id;
      headers[PRINCIPAL_ROLE_HEADER] = options.as.role;
    }
    return call(`${this.url}${path}`, { method, headers, body: options.body, rawBody: options.rawBody });
  }
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

/** A device id no other test of the run uses (the registry is global to a worker). */
export const uniqueDeviceId = (prefix = 'reefer'): string => `${prefix}-${randomBytes(5).toString('hex')}`;

/** Registers a device through the API (201 expected) and returns it with its key. */
export async function registerDevice(slim: SlimNode, over: { id?: string; assetId?: string; name?: string } = {}, as: As = PROVIDER_A): Promise<DeviceCreated> {
  const body = { id: over.id ?? uniqueDeviceId(), name: over.name ?? 'Reefer sensor', assetId: over.assetId ?? 'container-7' };
  const res = await slim.call('POST', '/api/v11/external/devices', { as, body });
  if (res.status !== 201) throw new Error(`device registration answered ${res.status}: ${JSON.stringify(res.body)}`);
  return DeviceCreated.parse(res.body);
}

/** Registers a device for the feed's asset and a push feed naming it, both as `as`. */
export async function registerPushFeed(
  slim: SlimNode,
  over: Partial<FeedRegistration> = {},
  as: As = PROVIDER_A,
): Promise<{ feed: FeedCreated; device: DeviceCreated }> {
  const registration = pushFeed(over);
  const device = await registerDevice(slim, { assetId: registration.assetId }, as);
  const body = withDevice(registration, device.id);
  const res = await slim.call('POST', '/api/v11/external/feeds', { as, body });
  if (res.status !== 201) throw new Error(`feed registration answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { feed: FeedCreated.parse(res.body), device };
}

/** A push registration naming `deviceId`. */
export function withDevice(registration: FeedRegistration, deviceId: string): FeedRegistration {
  if (registration.source.adapter !== 'push') throw new Error('not a push feed');
  return { ...registration, source: { ...registration.source, params: { ...registration.source.params, deviceId } } };
}
