/**
 * The traffic of the staged load test: what dApps, providers and devices, and anonymous
 * monitors send a gateway, in proportions fixed here. Keys rotate as many clients' would,
 * since each key has its own rate tier.
 */
import { signedReading } from '../../demo/iot-device.ts';
import type { LoadRequest } from './generator.ts';

export interface LoadProvider {
  key: string;
  pushFeedId: string;
  device: { id: string; secret: string };
  weatherFeedId: string;
  assetId: string;
}

export interface LoadFixtures {
  dappKeys: readonly string[];
  providers: readonly LoadProvider[];
  /** The newest block height known: block reads pick a height up to it. */
  height: () => number;
  /** The body of the next signed transaction to submit. */
  nextTransaction: () => string;
}

export const ROUTES = ['health', 'consensusStatus', 'block', 'attestation', 'assetState', 'channels', 'feedList', 'observationPush', 'transactionSubmit'] as const;
export type RouteName = (typeof ROUTES)[number];

/** Reads dominate, as on any oracle: monitors poll health and status, dApps read attested values. */
export const ROUTE_WEIGHTS: Readonly<Record<RouteName, number>> = {
  health: 5,
  consensusStatus: 10,
  block: 15,
  attestation: 20,
  assetState: 10,
  channels: 5,
  feedList: 10,
  observationPush: 15,
  transactionSubmit: 10,
};

const API = '/api/v11';
const pick = <T>(xs: readonly T[], random: () => number): T => xs[Math.floor(random() * xs.length)]!;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** One request of the named route, with fresh values (a pushed reading gets a new nonce and timestamp). */
export function buildRequest(route: RouteName, f: LoadFixtures, random: () => number): LoadRequest {
  const provider = pick(f.providers, random);
  switch (route) {
    case 'health':
      return { route, method: 'GET', path: `${API}/health`, headers: {} };
    case 'consensusStatus':
      return { route, method: 'GET', path: `${API}/consensus/status`, headers: {} };
    case 'block':
      return { route, method: 'GET', path: `${API}/consensus/blocks/${Math.floor(random() * (f.height() + 1))}`, headers: {} };
    case 'attestation':
      return { route, method: 'GET', path: `${API}/query/attestations/${provider.weatherFeedId}/latest`, headers: bearer(pick(f.dappKeys, random)) };
    case 'assetState':
      return { route, method: 'GET', path: `${API}/state/assets/${provider.assetId}`, headers: bearer(pick(f.dappKeys, random)) };
    case 'channels':
      return { route, method: 'GET', path: `${API}/channels`, headers: bearer(pick(f.dappKeys, random)) };
    case 'feedList':
      return { route, method: 'GET', path: `${API}/external/feeds`, headers: bearer(provider.key) };
    case 'observationPush': {
      const reading = signedReading(provider.device, provider.pushFeedId, new Date().toISOString(), Math.round((2 + random() * 4) * 100) / 100);
      return {
        route,
        method: 'POST',
        path: `${API}/external/feeds/${provider.pushFeedId}/observations`,
        headers: { ...bearer(provider.key), 'content-type': 'application/json' },
        body: JSON.stringify({ readings: [reading] }),
      };
    }
    case 'transactionSubmit':
      return {
        route,
        method: 'POST',
        path: `${API}/transaction`,
        headers: { ...bearer(pick(f.dappKeys, random)), 'content-type': 'application/json' },
        body: `{"transactions":[${f.nextTransaction()}]}`,
      };
  }
}

/** Draws routes by weight among those given (the ones that answered during set-up). */
export function createMix(routes: readonly RouteName[], f: LoadFixtures, random: () => number = Math.random): () => LoadRequest {
  const total = routes.reduce((sum, r) => sum + ROUTE_WEIGHTS[r], 0);
  return () => {
    let x = random() * total;
    for (const r of routes) {
      x -= ROUTE_WEIGHTS[r];
      if (x < 0) return buildRequest(r, f, random);
    }
    return buildRequest(routes[routes.length - 1]!, f, random);
  };
}
