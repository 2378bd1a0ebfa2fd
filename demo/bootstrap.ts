import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { DeviceCreated, FeedCreated, IssuedKey, type DeviceRegistration, type FeedRegistration } from '../schemas/index.ts';

/** What the demo keeps between runs of `npm start` (a local development file, mode 0600). */
export const DemoCredentials = z.object({
  adminKey: z.string(),
  keys: z.object({ provider: z.string(), dapp: z.string(), reviewer: z.string() }).optional(),
  feeds: z
    .object({
      weather: z.string(),
      /** The push feed and the registered device whose key signs its readings. */
      iot: z.object({ id: z.string(), deviceId: z.string(), deviceSecret: z.string() }),
    })
    .optional()
    // A file of an older demo (feeds without a device) keeps its keys; the feeds are registered afresh.
    .catch(undefined),
});
export type DemoCredentials = z.infer<typeof DemoCredentials>;

export function readCredentials(path: string): DemoCredentials | null {
  if (!existsSync(path)) return null;
  const parsed = DemoCredentials.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  return parsed.success ? parsed.data : null;
}

export function writeCredentials(path: string, credentials: DemoCredentials): void {
  writeFileSync(path, JSON.stringify(credentials, null, 2), { mode: 0o600 });
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

async function call<S extends z.ZodType>(url: string, key: string, method: string, schema: S, body?: unknown): Promise<z.infer<S>> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new ApiError(res.status, text, `${method} ${url}`);
  return schema.parse(JSON.parse(text));
}

/** True when the key is accepted by the gateway for a provider route. */
async function keyWorks(gatewayUrl: string, key: string, path: string): Promise<boolean> {
  const res = await fetch(`${gatewayUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  if (res.status === 401) return false;
  if (!res.ok) throw new ApiError(res.status, text, `GET ${path}`);
  return true;
}

/**
 * Makes sure the demo's keys and feeds exist, reusing those of an earlier run when they
 * still work, and registering them afresh otherwise.
 */
export async function ensureDemo(gatewayUrl: string, demoSourceUrl: string, saved: DemoCredentials): Promise<Required<DemoCredentials>> {
  const api = `${gatewayUrl}/api/v11`;
  let keys = saved.keys;
  if (keys === undefined || !(await keyWorks(gatewayUrl, keys.provider, '/api/v11/external/feeds'))) {
    const issue = async (role: 'provider' | 'dapp' | 'reviewer') =>
      (await call(`${api}/auth/keys`, saved.adminKey, 'POST', IssuedKey, { role, label: `demo ${role}` })).key;
    keys = { provider: await issue('provider'), dapp: await issue('dapp'), reviewer: await issue('reviewer') };
    saved = { ...saved, keys, feeds: undefined };
  }
  let feeds = saved.feeds;
  const feedExists = async (id: string) => {
    const res = await fetch(`${api}/external/feeds/${id}`, { headers: { authorization: `Bearer ${keys.provider}` } });
    const text = await res.text();
    if (res.status === 404) return false;
    if (!res.ok) throw new ApiError(res.status, text, `GET feed ${id}`);
    return true;
  };
  if (feeds === undefined || !(await feedExists(feeds.weather)) || !(await feedExists(feeds.iot.id))) {
    const weather: FeedRegistration = {
      name: 'Berlin air temperature',
      category: 'weather',
      assetId: 'weather-berlin',
      source: {
        adapter: 'open-meteo',
        params: { latitude: 52.52, longitude: 13.405, timezone: 'Europe/Berlin', metric: 'temperature_2m', baseUrl: demoSourceUrl },
      },
      schedule: { intervalMs: 15_000 },
      quality: {},
    };
    // A fresh device id each time: an earlier run's device may exist, and its key was shown only then.
    const device: DeviceRegistration = { id: `reefer-7-${randomBytes(4).toString('hex')}`, name: 'Reefer container 7 sensor', assetId: 'container-7' };
    const d = await call(`${api}/external/devices`, keys.provider, 'POST', DeviceCreated, device);
    const iot: FeedRegistration = {
      name: 'Reefer container 7 temperature',
      category: 'iot',
      assetId: 'container-7',
      source: { adapter: 'push', params: { deviceId: d.id, metric: 'temperature', unit: '°C' } },
      schedule: { intervalMs: 60_000 },
      quality: { range: { min: -30, max: 10 } },
    };
    const w = await call(`${api}/external/feeds`, keys.provider, 'POST', FeedCreated, weather);
    const i = await call(`${api}/external/feeds`, keys.provider, 'POST', FeedCreated, iot);
    feeds = { weather: w.id, iot: { id: i.id, deviceId: d.id, deviceSecret: d.secret } };
  }
  return { adminKey: saved.adminKey, keys, feeds };
}
