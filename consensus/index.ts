import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { openDatabase } from '../db/client.ts';
import { startAnnouncer } from '../runtime/announce/open.ts';
import { getRequestListener } from '@hono/node-server';
import { bootThenMigrate } from '../runtime/probes/boot-server.ts';
import { nodeDataDir, nodeSchema, type RunningNode, type StartNode } from '../runtime/node.ts';
import { startChannelConsumer } from './channels/index.ts';
import { createSigner, KEY_SEED_BYTES } from './crypto/signer.ts';
import { createValidatorApp } from './http/app.ts';
import type { Consensus } from './node/consensus.ts';
import { SingleNodeConsensus } from './node/single-node.ts';
import { UserSubmissions } from './node/user-submissions.ts';
import { VerifyPool } from './crypto/verify-pool.ts';
import { ReplicatedConsensus } from './replicated/replicated-consensus.ts';
import { ConsensusRepository } from './storage/repository.ts';
import { HttpPeerTransport } from './transport/index.ts';
import type { Config } from '../runtime/config.ts';
import type { Logger } from '../runtime/logger.ts';
import type { LifecyclePhase } from '../schemas/index.ts';
import type { Database } from '../db/client.ts';
import type { NodeSigner } from './crypto/signer.ts';
import type { ValidatorHttpDeps } from './http/deps.ts';

/** Forwarded submissions wait this long for the leader's commit before the caller is told to retry. */
const FORWARD_TIMEOUT_MS = 10_000;
/**
 * POST /transaction waits this long for the block, then answers 202 pending (the transaction may
 * still commit). Shorter than FORWARD_TIMEOUT_MS: on a business node a slow commit must read as
 * pending, not as a failed forward that the client retries into NONCE_REPLAYED.
 */
const SUBMISSION_COMMIT_WAIT_MS = 8_000;

/**
 * A validator or business node: storage, then consensus (which checks the stored chain and may refuse to start),
 * then HTTP. close() undoes it in reverse: no new requests, finish the block in flight, close the database.
 */
export const startValidator: StartNode = async (config, logger) => {
  const startedAtMs = Date.now();
  // The port opens first: supervisors see the node alive, and not ready, while it migrates and starts.
  const { boot, migrated: database } = await bootThenMigrate(config.HOST, config.PORT, () =>
    openDatabase({ part: 'consensus', url: config.DATABASE_URL, dataDir: nodeDataDir(config), schema: nodeSchema(config) }),
  );
  let phase: LifecyclePhase = 'running';
  const shutdown = new AbortController();
  let consensus: Consensus | undefined;
  let transport: HttpPeerTransport | undefined;
  let verifyPool: VerifyPool | undefined;
  try {
    const repository = new ConsensusRepository(database.db);
    // The seed is the node's identity: configured, or generated once and kept with the node's data.
    const seedHex = config.NODE_KEY_SEED ?? (await repository.nodeKeySeed(() => bytesToHex(randomBytes(KEY_SEED_BYTES))));
    const signer = createSigner(config.BLOCK_SIGNATURE_ALG, hexToBytes(seedHex));
    let cluster: Pick<ValidatorHttpDeps, 'cluster' | 'peer' | 'voters'> = {};
    if (config.CONSENSUS_MEMBERS === undefined) {
      consensus = await SingleNodeConsensus.start({
        repository,
        signer,
        chainId: config.CHAIN_ID,
        blockIntervalMs: config.BLOCK_INTERVAL_MS,
        blockTxsMax: config.BLOCK_TXS_MAX,
        mempoolTxsMax: config.MEMPOOL_TXS_MAX,
        logger,
      });
    } else {
      const started = await startReplicated(config, logger, database.db, repository, signer);
      consensus = started.consensus;
      transport = started.transport;
      cluster = started.http;
    }
    // Every role that takes POST /transaction verifies signatures on its own threads, before consensus sees them.
    verifyPool = new VerifyPool({
      queueMax: config.SIGNATURE_VERIFY_QUEUE_MAX,
      preparedKeyBytes: config.SIGNATURE_KEY_CACHE_MB * 1024 * 1024,
      ...(config.SIGNATURE_VERIFY_THREADS === undefined ? {} : { threads: config.SIGNATURE_VERIFY_THREADS }),
    });
    const submissions = new UserSubmissions({ consensus, pool: verifyPool, chainId: config.CHAIN_ID, commitWaitMs: SUBMISSION_COMMIT_WAIT_MS });
    const app = createValidatorApp({
      ...cluster,
      submissions,
      role: config.ROLE === 'business' ? 'business' : 'validator',
      consensus,
      repository,
      clusterSecret: config.CLUSTER_SECRET,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      streamsMax: config.SSE_STREAMS_MAX,
      streamBufferEvents: config.SSE_SUBSCRIBER_BUFFER_EVENTS,
      streamHeartbeatMs: config.SSE_HEARTBEAT_MS,
      logger,
      shutdown: shutdown.signal,
      nowMs: () => Date.now(),
      startedAtMs,
      phase: () => phase,
    });
    boot.serve(getRequestListener(app.fetch, { hostname: config.HOST }));
    const server = boot;
    // Learners never lead, so only validators consume the Redis channels (and only while leading).
    const channelConsumer =
      config.ROLE === 'business'
        ? undefined
        : startChannelConsumer(config, { consensus, repository, consumer: config.CONSENSUS_NODE_ID ?? signer.nodeId, logger });
    // Self-registration: gateways see this validator while it announces, and no longer once it withdraws.
    const announcer = await startAnnouncer(config, server.url, logger).catch(async (error: unknown) => {
      await channelConsumer?.stop();
      await server.close();
      throw error;
    });
    const running = consensus;
    const verifying = verifyPool;
    const peers = transport;
    let closing: Promise<void> | undefined;
    const node: RunningNode = {
      role: 'validator',
      url: server.url,
      port: server.port,
      close: () => {
        closing ??= (async () => {
          phase = 'stopping';
          await announcer?.stop();
          shutdown.abort();
          await channelConsumer?.stop();
          await server.close();
          await running.close();
          await verifying.close();
          await peers?.close();
          await database.close();
        })();
        return closing;
      },
    };
    return node;
  } catch (error) {
    shutdown.abort();
    await boot.close();
    await consensus?.close();
    await verifyPool?.close();
    await transport?.close();
    await database.close();
    throw error;
  }
};

/** A member of a Raft group: its peer transport, the replicated consensus over it, and the routes only members have. */
async function startReplicated(config: Config, logger: Logger, db: Database, repository: ConsensusRepository, signer: NodeSigner) {
  const members = config.CONSENSUS_MEMBERS!;
  const selfId = config.CONSENSUS_NODE_ID!;
  let replicated: ReplicatedConsensus | undefined;
  const transport = new HttpPeerTransport({
    selfId,
    peers: new Map(members.filter((m) => m.id !== selfId).map((m) => [m.id, m.url])),
    clusterSecret: config.CLUSTER_SECRET,
    logger,
    onUnreachable: (id) => replicated?.peerUnreachable(id),
    onReachable: (id) => replicated?.peerReachable(id),
  });
  try {
    replicated = await ReplicatedConsensus.start({
      selfId,
      founders: members,
      database: db,
      repository,
      signer,
      transport,
      chainId: config.CHAIN_ID,
      clusterSecret: config.CLUSTER_SECRET,
      blockTxsMax: config.BLOCK_TXS_MAX,
      mempoolTxsMax: config.MEMPOOL_TXS_MAX,
      proposalsInFlightMax: config.RAFT_PROPOSALS_IN_FLIGHT_MAX,
      tickMs: config.RAFT_TICK_MS,
      electionTicks: config.RAFT_ELECTION_TICKS,
      heartbeatTicks: config.RAFT_HEARTBEAT_TICKS,
      snapshotEveryEntries: config.RAFT_SNAPSHOT_EVERY_ENTRIES,
      compactKeepEntries: config.RAFT_COMPACT_KEEP_ENTRIES,
      forwardTimeoutMs: FORWARD_TIMEOUT_MS,
      readTimeoutMs: config.CONSENSUS_READ_TIMEOUT_MS,
      logger,
    });
  } catch (error) {
    await transport.close();
    throw error;
  }
  const consensus = replicated;
  const http: Pick<ValidatorHttpDeps, 'cluster' | 'peer' | 'voters'> = {
    cluster: consensus,
    voters: () => consensus.voterSigners(),
    peer: {
      selfId,
      clusterSecret: config.CLUSTER_SECRET,
      logger,
      // Every role holds the cluster secret; only members of the group may speak Raft to it.
      isMember: (id) => members.some((m) => m.id === id),
      onMessages: (from, messages) => consensus.receive(from, messages),
    },
  };
  return { consensus, transport, http };
}
