/**
 * The upstream of the gateway benchmark, run as its own process so it shares no event loop with
 * the gateway or the load generator: a minimal node:http server answering every request with the
 * same small JSON body, and cluster health probes with "up". Prints `{"port":N}` once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = JSON.stringify({ id: 'bench-asset', value: 42, unit: 'units', at: '2026-01-01T00:00:00.000Z' });
const HEALTH = JSON.stringify({ role: 'validator', status: 'up' });

const server = createServer((req, res) => {
  const body = req.url === '/api/v11/health' ? HEALTH : BODY;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
// Above every proxy's pool keep-alive (the gateway's 4 s, nginx's 60 s default is capped by this), so
// the proxies close idle connections first.
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
