import { createServer, type RequestListener, type ServerResponse } from 'node:http';
import type { ErrorBody, LifecyclePhase, Liveness, Readiness } from '../../schemas/index.ts';
import type { RunningServer } from '../http.ts';

/**
 * A role's port, opened before its storage: while migrations run and parts start, `/livez` says
 * the process is alive (so a supervisor does not kill a long migration) and `/readyz` and every
 * other path answer 503 with the phase. `serve()` hands the port to the role's app, which then
 * answers everything, its own `/livez` and `/readyz` included.
 */
export interface BootServer extends RunningServer {
  setPhase(phase: Exclude<LifecyclePhase, 'running'>): void;
  serve(listener: RequestListener): void;
}

/** A starting role asks to be tried again this soon. */
const RETRY_AFTER_S = 1;

export function openBootServer(host: string, port: number): Promise<BootServer> {
  let phase: Exclude<LifecyclePhase, 'running'> = 'starting';
  let app: RequestListener | null = null;
  const server = createServer((req, res) => {
    if (app !== null) return app(req, res);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/livez') return send(res, 200, { status: 'up', phase } satisfies Liveness);
    if (req.method === 'GET' && path === '/readyz') {
      return send(res, 503, { status: 'not_ready', phase, checks: { started: { ok: false, reason: `the node is ${phase}` } } } satisfies Readiness);
    }
    const body: ErrorBody = { error: { code: 'UNAVAILABLE', message: `the node is ${phase}; try again shortly` } };
    res.setHeader('Retry-After', String(RETRY_AFTER_S));
    return send(res, 503, body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('the server has no TCP address'));
      let closing: Promise<void> | undefined;
      resolve({
        port: address.port,
        url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
        setPhase: (next) => {
          phase = next;
        },
        serve: (listener) => {
          app = listener;
        },
        close: () => {
          closing ??= new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          });
          return closing;
        },
      });
    });
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The first steps of a role with storage: its port opens (alive, not ready), then `migrate` opens
 * and migrates its database in phase `migrating`; the boot server then says `starting`.
 */
export async function bootThenMigrate<T>(host: string, port: number, migrate: () => Promise<T>): Promise<{ boot: BootServer; migrated: T }> {
  const boot = await openBootServer(host, port);
  boot.setPhase('migrating');
  try {
    const migrated = await migrate();
    boot.setPhase('starting');
    return { boot, migrated };
  } catch (error) {
    await boot.close();
    throw error;
  }
}
