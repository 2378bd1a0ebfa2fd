import { z } from 'zod';
import { Hash32, IsoTimestamp, Role } from './common.ts';
import { RateLimitStats } from './rate-limit.ts';
import { Block, ValidatorIdentity } from './block.ts';
import { ChannelEvent } from './channel.ts';
import { MerkleProof, Transaction, TxRejection, TxStatus } from './transaction.ts';

/** Every error the API returns, whatever the status. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const IssueKeyBody = z.object({
  role: Role,
  label: z.string().trim().min(1).max(200),
});
export type IssueKeyBody = z.infer<typeof IssueKeyBody>;

export const IssuedKey = z.object({
  id: z.string(),
  role: Role,
  label: z.string(),
  /** Shown once: only its hash is stored. */
  key: z.string(),
  createdAt: IsoTimestamp,
});
export type IssuedKey = z.infer<typeof IssuedKey>;

export const NodeHealth = z.object({
  role: z.enum(['gateway', 'validator', 'business', 'slim']),
  url: z.string().optional(),
  status: z.enum(['up', 'degraded', 'down']),
  uptimeMs: z.number().optional(),
  latencyMs: z.number().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  /** As the gateway reports an upstream: how it joined its pool, its weight, and any ejection in force. */
  membership: z
    .object({
      source: z.enum(['config', 'announced']),
      weight: z.number().int(),
      expiresAt: IsoTimestamp.optional(),
      ejectedUntil: IsoTimestamp.optional(),
    })
    .optional(),
});
export type NodeHealth = z.infer<typeof NodeHealth>;

/** The network at a glance, as the platform's health reports it: nodes serving per role, throughput, leader and height. */
export const NetworkSummary = z.object({
  /** Nodes up or degraded, and all known, per role. */
  roles: z.partialRecord(z.enum(['gateway', 'validator', 'business', 'slim']), z.object({ serving: z.number().int(), total: z.number().int() })),
  /** Committed transactions per second, as the validators measure it (the highest report). */
  tps: z.number(),
  /** Highest block height a node reported, and the leader the validators name (null: none known). */
  height: z.number().int().nullable(),
  leader: z.string().nullable(),
  /** Mean probe latency over the nodes that answered. */
  latencyMsMean: z.number().nullable(),
  uptimeMs: z.number(),
});
export type NetworkSummary = z.infer<typeof NetworkSummary>;

export const NetworkHealth = z.object({
  status: z.enum(['up', 'degraded', 'down']),
  summary: NetworkSummary.optional(),
  nodes: z.array(NodeHealth),
  checkedAt: IsoTimestamp,
});
export type NetworkHealth = z.infer<typeof NetworkHealth>;

/** One condition of a node's readiness (`/readyz`): met or not, and why not. */
export const ReadinessCheck = z.object({ ok: z.boolean(), reason: z.string().optional() });
export type ReadinessCheck = z.infer<typeof ReadinessCheck>;

/** Where a process is in its life: opening its port, migrating its storage, starting its parts, serving, or stopping. */
export const LifecyclePhase = z.enum(['starting', 'migrating', 'running', 'stopping']);
export type LifecyclePhase = z.infer<typeof LifecyclePhase>;

/** `GET /livez`: the process runs (200 in every phase, migrations included). */
export const Liveness = z.object({ status: z.literal('up'), phase: LifecyclePhase });
export type Liveness = z.infer<typeof Liveness>;

/** `GET /readyz`: 200 when every check holds in phase `running`, else 503 naming what is missing. */
export const Readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  phase: LifecyclePhase,
  checks: z.record(z.string(), ReadinessCheck),
});
export type Readiness = z.infer<typeof Readiness>;

export const TransactionReceipt = z.object({
  hash: Hash32,
  status: TxStatus,
  transaction: Transaction,
  height: z.number().int().nullable(),
  index: z.number().int().nullable(),
  block: Block.nullable(),
  proof: MerkleProof.nullable(),
  /** Status `rejected`: why (user transactions this node refused recently). */
  rejection: TxRejection.optional(),
});
export type TransactionReceipt = z.infer<typeof TransactionReceipt>;

/** What a dApp reads: the attested value, with everything needed to verify it. */
export const Attestation = z.object({
  feedId: z.string(),
  assetId: z.string(),
  value: z.number(),
  unit: z.string(),
  observedAt: IsoTimestamp,
  event: ChannelEvent,
  txHash: Hash32,
  height: z.number().int(),
  block: Block,
  /** Inclusion proof of `txHash` under `block.header.txRoot`. */
  proof: MerkleProof,
  validators: z.array(ValidatorIdentity),
});
export type Attestation = z.infer<typeof Attestation>;

/** The gateway's upstream pools (ARCHITECTURE.md, request-type routing). */
export const UPSTREAM_POOLS = ['validators', 'business', 'slim'] as const;
export const UpstreamPool = z.enum(UPSTREAM_POOLS);
export type UpstreamPool = z.infer<typeof UpstreamPool>;

/** `GET /info`: what this gateway is and where it forwards. */
export const GatewayInfo = z.object({
  name: z.string(),
  version: z.string(),
  chainId: z.string(),
  apiPrefix: z.string(),
  pools: z.record(UpstreamPool, z.array(z.string())),
});
export type GatewayInfo = z.infer<typeof GatewayInfo>;

export const PoolStats = z.object({
  /** Requests forwarded to a member of this pool that got an answer. */
  requests: z.number().int(),
  /** Answers that were upstream server errors (5xx). */
  upstreamErrors: z.number().int(),
  /** Upstreams that could not be reached (502). */
  upstreamFailed: z.number().int(),
  upstreamTimeouts: z.number().int(),
  /** Requests answered 503 because no member of the pool was healthy. */
  unavailable: z.number().int(),
  /** Times a member of this pool was ejected for consecutive failures. */
  ejections: z.number().int(),
});
export type PoolStats = z.infer<typeof PoolStats>;

export const UpstreamStats = z.object({
  pool: UpstreamPool,
  url: z.string(),
  health: z.enum(['unknown', 'up', 'degraded', 'down']),
  latencyMs: z.number().nullable(),
  checkedAt: IsoTimestamp.nullable(),
  requests: z.number().int(),
  failures: z.number().int(),
  /** The node's circuit breaker: while open, the balancer skips the node. */
  breaker: z.enum(['closed', 'open', 'half_open']),
  /** `config`: listed in the gateway's configuration, never leaves; `announced`: joined by heartbeat, leaves when they stop. */
  source: z.enum(['config', 'announced']),
  /** The announcing node's id; null for a configured member that does not announce. */
  nodeId: z.string().nullable(),
  /** When the latest announcement runs out unless renewed; null for a configured member that does not announce. */
  expiresAt: IsoTimestamp.nullable(),
  /** Share of the pool's traffic relative to the other members (smooth weighted round-robin). */
  weight: z.number().int(),
  /** Passive outlier detection: consecutive failures eject the node for a cool-down. */
  ejection: z.object({
    ejected: z.boolean(),
    /** When the current ejection ends; null when not ejected. */
    until: IsoTimestamp.nullable(),
    timesEjected: z.number().int(),
    consecutiveFailures: z.number().int(),
  }),
});
export type UpstreamStats = z.infer<typeof UpstreamStats>;

/** `GET /stats`: the gateway's counters since it started. */
export const GatewayStats = z.object({
  startedAt: IsoTimestamp,
  uptimeMs: z.number().int(),
  pools: z.record(UpstreamPool, PoolStats),
  upstreams: z.array(UpstreamStats),
  retries: z.object({
    /** Second attempts sent to another node after a refused connection or a 502/503. */
    attempted: z.number().int(),
    /** Second attempts not sent because the retry budget was empty. */
    budgetRefused: z.number().int(),
    /** Requests an open (or trial-busy half-open) breaker refused without contacting the node. */
    breakerRejected: z.number().int(),
  }),
  rateLimits: RateLimitStats,
  /** Where announced members come from, and how the latest reads of it went. */
  membership: z.object({
    directory: z.enum(['redis', 'postgres', 'embedded']),
    lastSyncAt: IsoTimestamp.nullable(),
    syncFailures: z.number().int(),
    announced: z.number().int(),
  }),
});
export type GatewayStats = z.infer<typeof GatewayStats>;
