/**
 * The floor of a Node proxy on this stack, for the gateway benchmark: node:http in front, an undici
 * Pool dispatch behind, as many processes as the gateway runs (node:cluster), and nothing else — no
 * auth, limits, breakers, metrics or header hygiene beyond dropping hop-by-hop fields. GET only.
 * Whatever the gateway does costs on top of this, so its throughput bounds what the gateway can reach.
 * Usage: bare-proxy.ts <upstream origin> <workers>; prints `{"port":N}` once every worker listens.
 */
import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool, type Dispatcher } from 'undici';

const [origin, workersText] = process.argv.slice(2);
const workers = Number(workersText ?? 1);
if (origin === undefined || !Number.isInteger(workers) || workers < 1) throw new Error('usage: bare-proxy.ts <upstream origin> <workers>');

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** Writes the upstream's answer to the client: headers as a flat list, the small body whole. */
class Relay implements Dispatcher.DispatchHandler {
  private readonly chunks: Buffer[] = [];
  private status = 502;
  private headers: string[] = [];

  constructor(private readonly res: ServerResponse) {}

  onConnect(): void {}

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.status = statusCode;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toString('latin1');
      if (!HOP_BY_HOP.has(name.toLowerCase())) this.headers.push(name, rawHeaders[i + 1]!.toString('latin1'));
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(Buffer.from(chunk));
    return true;
  }

  onComplete(): void {
    this.res.writeHead(this.status, this.headers);
    this.res.end(this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks));
  }

  onError(): void {
    if (!this.res.headersSent) this.res.writeHead(502);
    this.res.end();
  }
}

if (cluster.isPrimary) {
  let listening = 0;
  let port = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('message', (message: { port: number }) => {
      if (listening > 0 && message.port !== port) throw new Error(`workers listen on ${port} and ${message.port}`);
      port = message.port;
      if (++listening === workers) process.stdout.write(`${JSON.stringify({ port })}\n`);
    });
  }
  // Every worker listens on port 0: the cluster module gives all of them the same port, one shared handle.
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const pool = new Pool(origin, { connections: 64, keepAliveTimeout: 4_000 });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    pool.dispatch({ method: 'GET', path: req.url ?? '/', headers: { host: req.headers.host ?? '' } }, new Relay(res));
  });
  server.keepAliveTimeout = 5_000;
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('SIGTERM', () => {
    server.close();
    void pool.destroy().then(() => process.exit(0));
  });
}
