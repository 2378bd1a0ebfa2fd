import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../runtime/config.ts';
import type { Logger } from '../../runtime/logger.ts';
import { launchGateway, type GatewayNode, type LaunchOptions } from '../../gateway/index.ts';
import { dropSchema, uniqueSchema } from '../support/databases.ts';

export const CLUSTER_SECRET = 'test-cluster-secret-0123456789';
export const ADMIN_KEY = 'ok_test-admin-key-0123456789abcdefghijklmnop';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A stand-in for another node: a real HTTP server on loopback. It answers health probes
 * (up unless told otherwise) and hands every other request to `handle`.
 */
export interface FakeUpstream {
  readonly url: string;
  readonly name: string;
  readonly seen: SeenRequest[];
  healthStatus: number;
  close(): Promise<void>;
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const echoName =
  (name: string): UpstreamHandler =>
  (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ served: name, path: req.url }));
  };

/** A handler whose answer status the test sets as it goes; the body names the upstream. */
export function switchableAnswer(name: string): { handler: UpstreamHandler; answer: { status: number } } {
  const answer = { status: 200 };
  const handler: UpstreamHandler = (_req, res) => {
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ served: name }));
  };
  return { handler, answer };
}

export async function startFakeUpstream(name: string, handle: UpstreamHandler = echoName(name), options: { streamBody?: boolean } = {}): Promise<FakeUpstream> {
  const seen: SeenRequest[] = [];
  const state = { healthStatus: 200 };
  const server: Server = createServer((req, res) => {
    if (req.url === '/api/v11/health') {
      // Like a real node: only cluster members may ask.
      if (req.headers['x-cluster-token'] !== CLUSTER_SECRET) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'UNAUTHENTICATED', message: 'cluster only' } }));
        return;
      }
      res.writeHead(state.healthStatus, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ role: 'validator', status: state.healthStatus === 200 ? 'up' : 'down', details: { name } }));
      return;
    }
    if (options.streamBody === true) {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
      handle(req, res, '');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    name,
    seen,
    get healthStatus() {
      return state.healthStatus;
    },
    set healthStatus(s: number) {
      state.healthStatus = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TestGateway extends GatewayNode {
  api(path: string): string;
  logs: string[];
}

/**
 * A real gateway on a free loopback port, with an in-memory PGlite key store in a schema of its own.
 * With `DATABASE_URL` (real Postgres) in `env`, its schema is dropped again on close.
 */
export async function startTestGateway(
  pools: { validators?: string[]; business?: string[]; slim?: string[] },
  /** Overrides; `undefined` removes a default (e.g. ADMIN_API_KEY). */
  env: Record<string, string | undefined> = {},
  options: LaunchOptions = {},
): Promise<TestGateway> {
  const config = loadConfig({
    ROLE: 'gateway',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: 'memory://',
    DB_SCHEMA: uniqueSchema('gateway_test'),
    CLUSTER_SECRET,
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: 'silent',
    VALIDATOR_URLS: (pools.validators ?? []).join(','),
    BUSINESS_URLS: (pools.business ?? []).join(','),
    SLIM_URLS: (pools.slim ?? []).join(','),
    // Long by default: tests probe explicitly with probeNow() when health matters.
    HEALTH_PROBE_INTERVAL_MS: '60000',
    // Generous: a probe that times out on a loaded machine marks a live upstream down until the next probe.
    HEALTH_PROBE_TIMEOUT_MS: '5000',
    // Its own announcement directory: nodes another test starts on a shared Redis or Postgres stay out of its pools.
    DIRECTORY_NAMESPACE: uniqueSchema('gateway'),
    ...env,
  });
  const { logger, logs } = captureLogger();
  const node = await launchGateway(config, logger, options);
  const close = node.close.bind(node);
  const url = config.DATABASE_URL;
  const schema = config.DB_SCHEMA;
  return Object.assign(node, {
    api: (path: string) => `${node.url}/api/v11${path}`,
    logs,
    close: async () => {
      await close();
      if (url !== undefined && schema !== undefined) await dropSchema(url, schema);
    },
  });
}

/** A pino logger whose lines end up in an array, so tests can read what was logged. */
export function captureLogger(level = 'info'): { logger: Logger; logs: string[] } {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level }, sink), logs };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * Two validators behind a gateway: `flaky`, whose answers `flaky.answer.status` switches, and
 * `steady`. Each piece is closed by the caller through `closers`, last started first.
 */
export async function startFlakyPair(closers: (() => Promise<void>)[], env: Record<string, string>) {
  const flaky = switchableAnswer('flaky');
  const flakyNode = await startFakeUpstream('flaky', flaky.handler);
  closers.push(() => flakyNode.close());
  const steady = await startFakeUpstream('steady');
  closers.push(() => steady.close());
  const gw = await startTestGateway({ validators: [flakyNode.url, steady.url] }, env);
  closers.push(() => gw.close());
  return { flaky, flakyNode, steady, gw };
}
