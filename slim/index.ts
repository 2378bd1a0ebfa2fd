import { openDatabase } from '../db/client.ts';
import { startAnnouncer } from '../runtime/announce/open.ts';
import { getRequestListener } from '@hono/node-server';
import { bootThenMigrate } from '../runtime/probes/boot-server.ts';
import type { LifecyclePhase } from '../schemas/index.ts';
import { nodeDataDir, nodeSchema, type StartNode } from '../runtime/node.ts';
import { createSlimWorker } from './worker.ts';

export { createSlimWorker, type SlimWorker, type SlimWorkerOptions } from './worker.ts';

/**
 * The slim oracle worker: its own database schema, the feed scheduler, the channel publisher
 * and the HTTP API. close() stops taking requests first, then the loops, then the database.
 */
export const startSlim: StartNode = async (config, logger) => {
  // The port opens first: supervisors see the worker alive, and not ready, while it migrates and starts.
  const { boot, migrated: database } = await bootThenMigrate(config.HOST, config.PORT, () =>
    openDatabase({ part: 'slim', url: config.DATABASE_URL, dataDir: nodeDataDir(config), schema: nodeSchema(config) }),
  );
  let phase: LifecyclePhase = 'running';
  const worker = createSlimWorker({ config, logger, db: database.db, phase: () => phase });
  let server;
  let announcer;
  try {
    await worker.start();
    boot.serve(getRequestListener(worker.app.fetch, { hostname: config.HOST }));
    server = boot;
    // Self-registration: gateways see this worker while it announces, and no longer once it withdraws.
    announcer = await startAnnouncer(config, server.url, logger);
  } catch (err) {
    try {
      await boot.close();
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
      phase = 'stopping';
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
