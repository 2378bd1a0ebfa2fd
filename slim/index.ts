import { openDatabase } from '../db/client.ts';
import { startAnnouncer } from '../runtime/announce/open.ts';
import { startServer } from '../runtime/http.ts';
import { nodeDataDir, nodeSchema, type StartNode } from '../runtime/node.ts';
import { createSlimWorker } from './worker.ts';

export { createSlimWorker, type SlimWorker, type SlimWorkerOptions } from './worker.ts';

/**
 * The slim oracle worker: its own database schema, the feed scheduler, the channel publisher
 * and the HTTP API. close() stops taking requests first, then the loops, then the database.
 */
export const startSlim: StartNode = async (config, logger) => {
  const database = await openDatabase({ part: 'slim', url: config.DATABASE_URL, dataDir: nodeDataDir(config), schema: nodeSchema(config) });
  const worker = createSlimWorker({ config, logger, db: database.db });
  let server;
  let announcer;
  try {
    await worker.start();
    server = await startServer(worker.app, config.HOST, config.PORT);
    // Self-registration: gateways see this worker while it announces, and no longer once it withdraws.
    announcer = await startAnnouncer(config, server.url, logger);
  } catch (err) {
    try {
      await server?.close();
      await worker.stop();
    } finally {
      await database.close();
    }
    throw err;
  }
  const running = server;
  const announcing = announcer;
  logger.info({ url: running.url, storage: database.kind }, 'slim worker started');
  return {
    role: 'slim',
    url: running.url,
    port: running.port,
    async close() {
      try {
        await announcing?.stop();
        await running.close();
        await worker.stop();
      } finally {
        await database.close();
      }
    },
  };
};
