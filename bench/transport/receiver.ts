/**
 * The receiving node of the transport benchmark, in its own process so decoding and the sender's
 * encoding do not share an event loop: the peer route on 127.0.0.1, counting what it is handed.
 * Prints `{"url":...}` once listening; GET /bench/count answers the totals and this process's CPU time.
 */
import { Hono } from 'hono';
import { peerRoutes } from '../../consensus/http/routes/peer.ts';
import { installErrorHandling, startServer } from '../../runtime/http.ts';
import { createLogger } from '../../runtime/logger.ts';

const selfId = process.argv[2] ?? 'v2';
const secret = process.env.BENCH_CLUSTER_SECRET ?? '';
const logger = createLogger('transport-bench-receiver', 'warn');
const count = { requests: 0, messages: 0, entries: 0, entryBytes: 0 };

const app = new Hono();
installErrorHandling(app, logger);
peerRoutes(app, {
  selfId,
  clusterSecret: secret,
  logger,
  onMessages: (_from, messages) => {
    count.requests++;
    count.messages += messages.length;
    for (const m of messages) {
      if (m.type !== 'append') continue;
      count.entries += m.entries.length;
      for (const e of m.entries) count.entryBytes += e.data.byteLength;
    }
  },
});
app.get('/bench/count', (c) => {
  const cpu = process.cpuUsage();
  return c.json({ ...count, cpuMs: Math.round((cpu.user + cpu.system) / 1000) });
});
const server = await startServer(app, '127.0.0.1', 0);
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
