import { z } from 'zod';
import { ANNOUNCE_TTL_MS_MAX, ANNOUNCE_TTL_MS_MIN, ANNOUNCE_WEIGHT_MAX } from './announcement.ts';
import { SignatureAlgorithm } from './block.ts';
import { CATEGORIES, type Category } from './common.ts';
import { ClusterMembersText } from './cluster-members.ts';
import { QualityWeightsByCategory } from './quality.ts';
import { RATE_TIERS_DEFAULT, RateSpec, RateTierHolder, RateTierName, type Rate } from './rate-limit.ts';

export const NODE_ROLES = ['gateway', 'validator', 'business', 'slim'] as const;
export const NodeRole = z.enum(NODE_ROLES);
export type NodeRole = z.infer<typeof NodeRole>;

export const DEFAULT_PORTS: Record<NodeRole, number> = { gateway: 8080, validator: 9003, business: 9009, slim: 9013 };

const urlList = z
  .string()
  .transform((s) => s.split(',').map((u) => u.trim()).filter((u) => u.length > 0))
  .pipe(z.array(z.url({ protocol: /^https?$/ })));

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Outbound requests per second to one source (adapter + origin), by the source's category: the platform's figures. */
export const SOURCE_RATE_LIMITS_DEFAULT: Readonly<Record<Category, number>> = { market: 200, real_estate: 100, carbon: 50, iot: 150, weather: 75 };

/** A variable holding JSON; unset or blank reads as `{}`, malformed JSON names the variable. */
const jsonObject = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (s === undefined || s.trim() === '') return {};
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
      return z.NEVER;
    }
  });

/** JSON of per-category overrides, e.g. {"weather":20}; a misspelt category stops the start. */
const SourceRateLimits = jsonObject
  .pipe(z.partialRecord(z.enum(CATEGORIES), z.number().int().positive().max(100_000)))
  .transform((overrides): Record<Category, number> => ({ ...SOURCE_RATE_LIMITS_DEFAULT, ...overrides }));

/** Gateway: JSON {tier: rate} merged over RATE_TIERS_DEFAULT, e.g. {"dapp":"1200/min","partner":"50/s"}. */
const RateTiers = jsonObject
  .pipe(z.record(RateTierName, RateSpec))
  .transform((overrides): Record<string, Rate> => ({ ...z.record(RateTierName, RateSpec).parse(RATE_TIERS_DEFAULT), ...overrides }));

/** Gateway: JSON {role or key id: tier}, e.g. {"dapp":"partner","key_0123…":"partner"}; a role not named keeps the tier of its own name. */
const RateKeyTiers = jsonObject.pipe(z.record(z.string(), RateTierName)).superRefine((assignments, ctx) => {
  for (const holder of Object.keys(assignments)) {
    if (!RateTierHolder.safeParse(holder).success) ctx.addIssue({ code: 'custom', path: [holder], message: 'not a role nor a key id (key_ and 32 hex digits)' });
  }
});

/**
 * Everything a process reads from its environment, parsed once at start-up.
 * A bad value stops the process with a message naming the variable.
 */
export const EnvConfig = z.object({
  ROLE: NodeRole,
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Unset: embedded PGlite under DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Postgres schema holding this node's tables (each node owns its own). */
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case SQL identifier').optional(),
  DATA_DIR: z.string().default('./data'),
  /** Unset: in-process backends. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Shared by the nodes of one network: authenticates traffic between roles. */
  CLUSTER_SECRET: z.string().min(16, 'at least 16 characters'),
  ADMIN_API_KEY: z.string().min(24, 'at least 24 characters').optional(),
  /**
   * Gateway: the secret mixed into stored API key hashes (HMAC-SHA256), so a copy of the key table
   * alone cannot confirm a guessed key. Unset: generated once and kept in the gateway's storage.
   */
  GATEWAY_KEY_PEPPER: z.string().min(32, 'at least 32 characters').optional(),
  /** Gateway: browser origins (dApps) allowed to call the API cross-origin. Default: none, no CORS headers at all. */
  GATEWAY_CORS_ORIGINS: urlList.default([]).transform((urls) => urls.map((u) => new URL(u).origin)),
  /**
   * Gateway: addresses or CIDRs of the proxies in front of it (load balancers) whose X-Forwarded-For
   * chain is believed and extended. Default: none, the gateway is the edge and replaces a client-sent
   * chain with the peer's address.
   */
  GATEWAY_TRUSTED_PROXIES: z
    .string()
    .transform((s) => s.split(',').map((a) => a.trim()).filter((a) => a.length > 0))
    .pipe(z.array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], { error: 'an IPv4/IPv6 address or CIDR' })))
    .default([]),
  /**
   * Gateway: how long a verified API key is answered from memory before storage is asked again;
   * a key revoked on another gateway (or in storage) still works here for at most this long. 0: no cache.
   */
  GATEWAY_KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  VALIDATOR_URLS: urlList.default([]),
  SLIM_URLS: urlList.default([]),
  BUSINESS_URLS: urlList.default([]),
  CHAIN_ID: z.string().min(1).max(64).default('oracle-local-1'),
  BLOCK_INTERVAL_MS: positiveInt(500),
  BLOCK_TXS_MAX: positiveInt(1_000),
  MEMPOOL_TXS_MAX: positiveInt(50_000),
  BLOCK_SIGNATURE_ALG: SignatureAlgorithm.default('ml_dsa87'),
  /** Validator and business: worker threads verifying user transaction signatures at admission. Unset: one per available core. */
  SIGNATURE_VERIFY_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  /** Signatures waiting for a verify thread; beyond it POST /transaction answers 503 with Retry-After. */
  SIGNATURE_VERIFY_QUEUE_MAX: positiveInt(20_000),
  /**
   * Megabytes of prepared public keys each verify thread keeps (about 25 KB per ML-DSA-44 key, 75 KB
   * per ML-DSA-87 key): a cached sender's signature verifies several times faster. 0 turns it off.
   */
  SIGNATURE_KEY_CACHE_MB: z.coerce.number().int().min(0).max(4_096).default(32),
  /**
   * Validator and business: the Raft group's founding members, `id=voter@url` and `id=learner@url`
   * separated by commas, the same on every member (see schemas/cluster-members.ts).
   * Unset: the validator is a network of one and orders blocks alone.
   */
  CONSENSUS_MEMBERS: ClusterMembersText.optional(),
  /** Validator and business: this node's id in CONSENSUS_MEMBERS. */
  CONSENSUS_NODE_ID: z.string().min(1).max(63).optional(),
  /** Raft's clock: one tick this long. Followers campaign after RAFT_ELECTION_TICKS to twice that without a leader. */
  RAFT_TICK_MS: positiveInt(40),
  RAFT_ELECTION_TICKS: z.coerce.number().int().min(3).max(1_000).default(10),
  RAFT_HEARTBEAT_TICKS: z.coerce.number().int().min(1).max(100).default(1),
  /** A ledger snapshot every this many applied entries; the log is compacted behind it, keeping RAFT_COMPACT_KEEP_ENTRIES. */
  RAFT_SNAPSHOT_EVERY_ENTRIES: positiveInt(10_000),
  RAFT_COMPACT_KEEP_ENTRIES: positiveInt(1_000),
  /** Leader: batches proposed and not yet applied; beyond it transactions wait in the mempool. */
  RAFT_PROPOSALS_IN_FLIGHT_MAX: positiveInt(8),
  /** Linearizable reads wait this long for a leader to confirm a read point, then answer 503. */
  CONSENSUS_READ_TIMEOUT_MS: positiveInt(3_000),
  /** 32-byte hex seed of the node's ML-DSA key; generated and kept in the node's storage when unset. */
  NODE_KEY_SEED: z.string().regex(/^[0-9a-f]{64}$/, '64 hex characters').optional(),
  /**
   * Slim: origins (scheme, host, port) whose sources may be at non-public addresses, e.g. a source
   * on this machine or the LAN. Every other source's host must be, and resolve only to, public
   * addresses: loopback, private, CGNAT, link-local, unique-local, unspecified, multicast, reserved
   * and cloud-metadata addresses are refused at registration and at every connection (SSRF guard,
   * slim/outbound/destination). Default: none.
   */
  SOURCE_ORIGINS_ALLOWED: urlList.default([]).transform((urls) => urls.map((u) => new URL(u).origin)),
  /**
   * Source credentials, configured by the operator per source (never feed params, which GET returns).
   * Unset: feeds of that source are refused at registration.
   */
  ALPACA_KEY_ID: z.string().min(1).max(256).optional(),
  ALPACA_SECRET_KEY: z.string().min(1).max(256).optional(),
  RENTCAST_API_KEY: z.string().min(1).max(256).optional(),
  /**
   * Slim: the operator's MQTT broker (mqtt:// or mqtts://, credentials in the URL if it needs them),
   * where `mqtt` feeds read device telemetry. Unset: mqtt feeds are refused at registration.
   */
  MQTT_URL: z.url({ protocol: /^mqtts?$/ }).optional(),
  /**
   * Slim: the shared-subscription group (`$share/<group>/<topic>`) every slim replica joins, so
   * the broker hands each message to one replica only. Replicas of one network use the same group.
   */
  MQTT_SHARE_GROUP: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '1–64 letters, digits, _ or -').default('slim'),
  FETCH_TIMEOUT_MS: positiveInt(10_000),
  /**
   * Slim: how long a worker's lease on a feed lasts without renewal (renewed every third of it).
   * A dead worker's feeds move to another after at most this long; keep it above FETCH_TIMEOUT_MS.
   */
  SCHEDULER_LEASE_TTL_MS: positiveInt(30_000),
  PROXY_TIMEOUT_MS: positiveInt(15_000),
  /** Gateway: an upstream node's open breaker fails fast this long, then lets one trial request through. */
  GATEWAY_BREAKER_RESET_MS: positiveInt(10_000),
  /** Gateway: requests to a node in the rolling window before its failure rate is judged at all. */
  GATEWAY_BREAKER_VOLUME_MIN: positiveInt(10),
  /** Gateway: failure rate (percent of a node's requests, 5xx and unreachable) above which its breaker opens. */
  GATEWAY_BREAKER_ERROR_PERCENT: z.coerce.number().int().min(1).max(100).default(50),
  BODY_LIMIT_BYTES: positiveInt(1_048_576),
  /** Gateway: how often each upstream's health is probed, and how long one probe may take. */
  HEALTH_PROBE_INTERVAL_MS: positiveInt(2_000),
  HEALTH_PROBE_TIMEOUT_MS: positiveInt(1_000),
  /** Gateway: consecutive failures (5xx, unreachable, timed out) that eject an upstream for a cool-down (passive outlier detection). */
  GATEWAY_EJECT_FAILURES: positiveInt(5),
  /** Gateway: the first ejection lasts this long, each further one as much again, up to GATEWAY_EJECT_MAX_MS. */
  GATEWAY_EJECT_BASE_MS: positiveInt(30_000),
  GATEWAY_EJECT_MAX_MS: positiveInt(300_000),
  /** Gateway: at most this percentage of a pool is ejected at once; its last member never is. */
  GATEWAY_EJECT_PERCENT_MAX: z.coerce.number().int().min(0).max(100).default(50),
  /** Gateway: how often the live announcements are read (self-registration). */
  DIRECTORY_POLL_MS: positiveInt(1_000),
  /**
   * Self-registration: announcements of one network are kept apart from other networks sharing the
   * same Redis or Postgres under this name. Unset: derived from CHAIN_ID and CLUSTER_SECRET, which
   * every node of one network shares.
   */
  DIRECTORY_NAMESPACE: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1–64 letters, digits or . _ -').optional(),
  /** Self-registration with DATABASE_URL: the Postgres schema of the shared node_announcements table. */
  DIRECTORY_DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case SQL identifier').default('cluster'),
  /**
   * Validator and slim, embedded (no REDIS_URL nor DATABASE_URL): gateways this node announces
   * itself to. With neither set and no gateway listed, the node does not announce.
   */
  GATEWAY_URLS: urlList.default([]),
  /** Validator and slim: the base URL gateways reach this node at. Default: the address it listens on. */
  ANNOUNCE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Validator and slim: this node's share of its pool's traffic, relative to the other members. */
  ANNOUNCE_WEIGHT: z.coerce.number().int().min(1).max(ANNOUNCE_WEIGHT_MAX).default(1),
  /** Validator and slim: a heartbeat every this long, each valid for ANNOUNCE_TTL_MS (at least twice the interval). */
  ANNOUNCE_INTERVAL_MS: positiveInt(1_000),
  ANNOUNCE_TTL_MS: z.coerce.number().int().min(ANNOUNCE_TTL_MS_MIN).max(ANNOUNCE_TTL_MS_MAX).default(4_000),
  /**
   * Gateway: processes serving the one port (node:cluster), each a whole gateway; `auto` is one per
   * core. More than one needs DATABASE_URL (keys and announcements shared in Postgres); without
   * REDIS_URL each process enforces its share of every rate limit, stream cap and connection cap.
   */
  GATEWAY_WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default(1),
  /** Gateway: open connections per upstream node for ordinary requests (event streams and probes have their own). */
  UPSTREAM_CONNECTIONS_MAX: positiveInt(128),
  /** Concurrent server-sent event streams: proxied by a gateway, or served by a validator. Past it: 503 with Retry-After. */
  SSE_STREAMS_MAX: positiveInt(256),
  /** Gateway: concurrent event streams per API key. Past it: 429 with Retry-After. */
  SSE_STREAMS_PER_KEY_MAX: positiveInt(8),
  /** Gateway: requests per second through all gateways together (shared through REDIS_URL; per gateway without it). */
  GATEWAY_RATE_GLOBAL_PER_S: positiveInt(1_000),
  /** Gateway: requests per minute per client address on /auth/* that do not authenticate (checked before the key is). */
  GATEWAY_RATE_AUTH_PER_MIN: positiveInt(5),
  GATEWAY_RATE_TIERS: RateTiers,
  GATEWAY_RATE_KEY_TIERS: RateKeyTiers,
  /** Gateway: prefix of the rate-limit keys in Redis; networks (or test runs) sharing one Redis use different ones. */
  GATEWAY_RATE_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, '1–64 letters, digits or : _ . -').default('gateway:rate'),
  CHANNEL_BATCH_MAX: positiveInt(200),
  CHANNEL_RETRY_MS: positiveInt(1_000),
  /**
   * Tokenization channels: `redis` (Redis Streams, one per category, consumed by the leader validator
   * in a consumer group) or `http` (slim delivers its outbox to the validators and the answer after the
   * commit is the acknowledgement). Default: redis when REDIS_URL is set, http otherwise.
   */
  CHANNEL_BACKEND: z.enum(['redis', 'http']).optional(),
  /** Redis channels: stream keys are this prefix plus the category; networks (or test runs) sharing one Redis use different ones. */
  CHANNEL_STREAM_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, '1–64 letters, digits or : _ . -').default('channel:'),
  /** Redis channels: the consumer group the validators read through. */
  CHANNEL_CONSUMER_GROUP: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, '1–64 letters, digits or : _ . -').default('validators'),
  /** Redis channels: an event read but not acknowledged (committed) for this long is claimed again, e.g. by a new leader. */
  CHANNEL_CLAIM_IDLE_MS: positiveInt(30_000),
  /** Redis channels: rounds of the leader in which one entry's own submission failed (never a retryable 5xx) before it is dead-lettered. */
  CHANNEL_MAX_DELIVERIES: positiveInt(10),
  /** Redis channels: the dead-letter stream is capped near this many entries (XADD MAXLEN ~). */
  CHANNEL_DEAD_LETTER_MAX: positiveInt(10_000),
  /** Events one subscriber of GET /channels/:name/events may have queued; past it the stream closes and the client resumes with Last-Event-ID. */
  SSE_SUBSCRIBER_BUFFER_EVENTS: positiveInt(512),
  /** A comment on an idle event stream this often, below the idle timeout of any proxy in front. */
  SSE_HEARTBEAT_MS: positiveInt(15_000),
  /**
   * Slim push: a signed reading's nonce is remembered this long per device, and only readings observed
   * within it (back from now, or PUSH_CLOCK_SKEW_MS ahead) count as fresh; older ones could be replays.
   */
  PUSH_REPLAY_WINDOW_MS: positiveInt(300_000),
  /** Slim push: how far ahead of this worker's clock a device's clock may run. */
  PUSH_CLOCK_SKEW_MS: positiveInt(5_000),
  /** Slim outbound: per-category requests per second to one source, shared by all replicas through REDIS_URL. */
  SOURCE_RATE_LIMITS: SourceRateLimits,
  /** Slim outbound: how long a fetch may wait for a rate-limit slot before failing with RATE_LIMITED. */
  SOURCE_RATE_WAIT_MS_MAX: positiveInt(2_000),
  /** Slim outbound: attempts per fetch (first included) for transient failures: network, timeout, 429, 5xx. */
  SOURCE_RETRY_ATTEMPTS_MAX: positiveInt(3),
  /** Slim outbound: full-jitter backoff base (doubles per retry) and the time all attempts of one fetch may take. */
  SOURCE_RETRY_BASE_MS: positiveInt(250),
  SOURCE_RETRY_TOTAL_MS_MAX: positiveInt(12_000),
  /** Slim outbound breaker per source: opens above this failure percentage once this many fetches fall in the window. */
  SOURCE_BREAKER_ERROR_PERCENT: z.coerce.number().int().min(1).max(100).default(50),
  SOURCE_BREAKER_VOLUME_MIN: positiveInt(5),
  SOURCE_BREAKER_WINDOW_MS: positiveInt(60_000),
  /** Slim outbound: how long an open breaker fails fast before one trial fetch. */
  SOURCE_BREAKER_RESET_MS: positiveInt(30_000),
  /**
   * Slim source answer cache (slim/cache): L1 in-process, L2 Redis when REDIS_URL is set, L3 the
   * worker's database. false: every fetch goes to the source.
   */
  SOURCE_CACHE_ENABLED: z.stringbool().default(true),
  /** Slim source cache: answers kept in-process (least recently used go first). */
  SOURCE_CACHE_L1_ENTRIES_MAX: positiveInt(10_000),
  /** Slim source cache: an answer lives this percentage of its category's freshness SLA (see slim/cache/ttl.ts). */
  SOURCE_CACHE_TTL_SLA_PERCENT: z.coerce.number().int().min(1).max(100).default(25),
  /** JSON: per-category quality weights, e.g. {"weather":{"freshness":3}}; a misspelt category or check stops the start. */
  QUALITY_WEIGHTS: jsonObject.pipe(QualityWeightsByCategory),
}).superRefine((c, ctx) => {
  // A member of a Raft group must know which member it is; a business node exists only in a group.
  if (c.CONSENSUS_MEMBERS !== undefined) {
    const self = c.CONSENSUS_MEMBERS.find((m) => m.id === c.CONSENSUS_NODE_ID);
    if (self === undefined) ctx.addIssue({ code: 'custom', path: ['CONSENSUS_NODE_ID'], message: 'must name one of CONSENSUS_MEMBERS' });
    else if (c.ROLE === 'business' && self.role !== 'learner') ctx.addIssue({ code: 'custom', path: ['CONSENSUS_NODE_ID'], message: 'a business node is a learner in CONSENSUS_MEMBERS' });
  } else if (c.ROLE === 'business') {
    ctx.addIssue({ code: 'custom', path: ['CONSENSUS_MEMBERS'], message: 'a business node needs the Raft group it learns from' });
  }
  // A key assigned to a tier nobody defined would silently go unlimited.
  for (const [holder, tier] of Object.entries(c.GATEWAY_RATE_KEY_TIERS)) {
    if (!(tier in c.GATEWAY_RATE_TIERS)) ctx.addIssue({ code: 'custom', path: ['GATEWAY_RATE_KEY_TIERS', holder], message: `tier "${tier}" is not in GATEWAY_RATE_TIERS` });
  }
  // The embedded database is one process's: gateway processes share keys and announcements only through Postgres.
  if (c.GATEWAY_WORKERS !== 1 && c.ROLE === 'gateway' && c.DATABASE_URL === undefined) {
    ctx.addIssue({ code: 'custom', path: ['GATEWAY_WORKERS'], message: 'more than one gateway process needs DATABASE_URL (the embedded database belongs to one process)' });
  }
  if (c.CHANNEL_BACKEND === 'redis' && c.REDIS_URL === undefined) {
    ctx.addIssue({ code: 'custom', path: ['CHANNEL_BACKEND'], message: 'redis channels need REDIS_URL' });
  }
  // Half a key pair is a typo, not a choice: say so at start-up rather than at registration.
  if ((c.ALPACA_KEY_ID === undefined) !== (c.ALPACA_SECRET_KEY === undefined)) {
    const missing = c.ALPACA_KEY_ID === undefined ? 'ALPACA_KEY_ID' : 'ALPACA_SECRET_KEY';
    ctx.addIssue({ code: 'custom', path: [missing], message: 'ALPACA_KEY_ID and ALPACA_SECRET_KEY are set together or not at all' });
  }
}).refine((c) => c.ANNOUNCE_TTL_MS >= 2 * c.ANNOUNCE_INTERVAL_MS, {
  path: ['ANNOUNCE_TTL_MS'],
  // One late or lost heartbeat must not make a live node leave its pool.
  message: 'must be at least twice ANNOUNCE_INTERVAL_MS',
}).refine((c) => c.SCHEDULER_LEASE_TTL_MS > 2 * c.SOURCE_RETRY_TOTAL_MS_MAX, {
  path: ['SCHEDULER_LEASE_TTL_MS'],
  // A fetch (retries included) must end well inside its lease, or a second worker could take the feed mid-fetch.
  message: 'must exceed twice SOURCE_RETRY_TOTAL_MS_MAX',
});
export type EnvConfig = z.infer<typeof EnvConfig>;
