import { Hono } from 'hono';
import { peerRoutes, type PeerRouteDeps } from '../../../consensus/http/routes/peer.ts';
import type { NodeId } from '../../../consensus/raft/index.ts';
import type { PeerMessage } from '../../../consensus/transport/index.ts';
import { installErrorHandling, startServer, type RunningServer } from '../../../runtime/http.ts';
import { createLogger } from '../../../runtime/logger.ts';

export const SECRET = 'transport-test-cluster-secret-0123456789';
export const silentLogger = createLogger('transport-test', 'silent');

export interface PeerServer {
  server: RunningServer;
  /** Each onMessages call, in arrival order. */
  received: { from: NodeId; messages: readonly PeerMessage[] }[];
  close(): Promise<void>;
}

/** A node's receiving side alone: the peer route on a real server on 127.0.0.1. */
export async function startPeerServer(selfId: NodeId, options: Partial<PeerRouteDeps> & { port?: number } = {}): Promise<PeerServer> {
  const received: PeerServer['received'] = [];
  const app = new Hono();
  installErrorHandling(app, silentLogger);
  peerRoutes(app, { selfId, clusterSecret: SECRET, onMessages: (from, messages) => received.push({ from, messages }), ...options });
  const server = await startServer(app, '127.0.0.1', options.port ?? 0);
  return { server, received, close: () => server.close() };
}

/** Polls until `probe` holds, bounded; fails the test with `what` otherwise. */
export async function until(what: string, probe: () => boolean, attempts = 200, pauseMs = 25): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  throw new Error(`not reached: ${what}`);
}

export const heartbeat = (from: NodeId, to: NodeId, commit: number): PeerMessage => ({ type: 'heartbeat', from, to, term: 1, commit, ctx: null });
