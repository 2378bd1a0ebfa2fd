import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningServer } from '../../runtime/http.ts';
import type { NodeListener } from '../proxy/node-listener.ts';

/**
 * Listens on host:port (0 picks a free port) with the gateway's own Node listener, which serves
 * the proxy's fast path itself and hands the rest to the Hono app; resolves once listening.
 */
export function listen(listener: NodeListener, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer(listener);
    server.once('error', reject);
    server.listen(port, host, () => {
      const bound = (server.address() as AddressInfo).port;
      const close = () =>
        new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        });
      resolve({ port: bound, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`, close });
    });
  });
}
