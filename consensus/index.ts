import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { openDatabase } from '../db/client.ts';
import { startAnnouncer } from '../runtime/announce/open.ts';
import { startServer } from '../runtime/http.ts';
import { nodeDataDir, nodeSchema, type RunningNode, type StartNode } from '../runtime/node.ts';
import { createSigner, KEY_SEED_BYTES } from './crypto/signer.ts';
import { createValidatorApp } from './http/app.ts';
import { SingleNodeConsensus } from './node/single-node.ts';
import { ConsensusRepository } from './storage/repository.ts';

/**
 * A validator: storage, then consensus (which checks the stored chain and may refuse to start),
 * then HTTP. close() undoes it in reverse: no new requests, finish the block in flight, close the database.
 */
export const startValidator: StartNode = async (config, logger) => {
  const startedAtMs = Date.now();
  const database = await openDatabase({ part: 'consensus', url: config.DATABASE_URL, dataDir: nodeDataDir(config), schema: nodeSchema(config) });
  const shutdown = new AbortController();
  let consensus: SingleNodeConsensus | undefined;
  try {
    const repository = new ConsensusRepository(database.db);
    // The seed is the node's identity: configured, or generated once and kept with the node's data.
    const seedHex = config.NODE_KEY_SEED ?? (await repository.nodeKeySeed(() => bytesToHex(randomBytes(KEY_SEED_BYTES))));
    const signer = createSigner(config.BLOCK_SIGNATURE_ALG, hexToBytes(seedHex));
    consensus = await SingleNodeConsensus.start({
      repository,
      signer,
      chainId: config.CHAIN_ID,
      blockIntervalMs: config.BLOCK_INTERVAL_MS,
      blockTxsMax: config.BLOCK_TXS_MAX,
      mempoolTxsMax: config.MEMPOOL_TXS_MAX,
      logger,
    });
    const app = createValidatorApp({
      consensus,
      repository,
      clusterSecret: config.CLUSTER_SECRET,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      streamsMax: config.SSE_STREAMS_MAX,
      logger,
      shutdown: shutdown.signal,
      nowMs: () => Date.now(),
      startedAtMs,
    });
    const server = await startServer(app, config.HOST, config.PORT);
    // Self-registration: gateways see this validator while it announces, and no longer once it withdraws.
    const announcer = await startAnnouncer(config, server.url, logger).catch(async (error: unknown) => {
      await server.close();
      throw error;
    });
    const running = consensus;
    let closing: Promise<void> | undefined;
    const node: RunningNode = {
      role: 'validator',
      url: server.url,
      port: server.port,
      close: () => {
        closing ??= (async () => {
          await announcer?.stop();
          shutdown.abort();
          await server.close();
          await running.close();
          await database.close();
        })();
        return closing;
      },
    };
    return node;
  } catch (error) {
    shutdown.abort();
    await consensus?.close();
    await database.close();
    throw error;
  }
};
