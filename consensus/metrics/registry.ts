/**
 * Prometheus metrics of one consensus node, read from its status at each scrape (one status() call
 * per scrape, so every gauge of a scrape describes the same moment), plus the committed-transaction
 * rate, which the node feeds as it applies blocks.
 */
import type { Hono } from 'hono';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS_MS, metricsRoute } from '../../runtime/metrics.ts';
import type { ConsensusStatus } from '../../schemas/index.ts';
import type { KeyCacheStats } from '../crypto/verify-pool.ts';
import { TpsWindow } from './tps-window.ts';

/** What the metrics read: the node's status. */
export interface MetricsSource {
  status(): ConsensusStatus;
}

export interface ConsensusMetricsOptions {
  /** Width of the sliding window of aurigraph_consensus_tps_current. */
  tpsWindowMs?: number;
  /** Resolution of that window. */
  tpsBucketMs?: number;
  /** Monotonic milliseconds; injectable so tests can pin it. */
  nowMs?: () => number;
  /** The verify threads' prepared-key cache, read at each scrape. */
  signatureKeyCache?: () => KeyCacheStats;
}

export interface ConsensusMetrics {
  readonly registry: Registry;
  /** Hook for the node: call after each applied block with its transaction count. */
  committedTxs(count: number): void;
  /** One submitted transaction committed, this long after it was submitted here. */
  transactionCommitted(latencyMs: number): void;
  /** Committed transactions per second over the sliding window, as of now (the health report's tps). */
  tpsCurrent(): number;
  /** The Prometheus text exposition, as of now. */
  render(): Promise<string>;
}

export const TPS_WINDOW_MS_DEFAULT = 10_000;
export const TPS_BUCKET_MS_DEFAULT = 1_000;

export function createConsensusMetrics(source: MetricsSource, options: ConsensusMetricsOptions = {}): ConsensusMetrics {
  const nowMs = options.nowMs ?? (() => performance.now());
  const tps = new TpsWindow(options.tpsWindowMs ?? TPS_WINDOW_MS_DEFAULT, options.tpsBucketMs ?? TPS_BUCKET_MS_DEFAULT);
  // A registry of its own: several nodes in one process (tests, `npm start`) must not share series.
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const height = gauge('aurigraph_consensus_block_height', 'Height of the newest block this node stored.');
  const leader = gauge('aurigraph_consensus_leader_id', 'The current leader as this node knows it: 1 on the series labelled with its node id.', ['leader']);
  const tpsCurrent = gauge('aurigraph_consensus_tps_current', 'Transactions committed into blocks per second, over a sliding window.');
  const commitIndex = gauge('aurigraph_consensus_commit_index', 'Highest Raft log index known committed.');
  const appliedIndex = gauge('aurigraph_consensus_applied_index', 'Highest Raft log index applied to the ledger.');
  const term = gauge('aurigraph_consensus_term', 'Current Raft term.');
  const pending = gauge('aurigraph_consensus_pending_transactions', 'Transactions accepted and not yet in a block.');
  const processed = new Counter({
    name: 'aurigraph_transaction_processed_total',
    help: 'Transactions in the blocks this node stored since start-up.',
    registers: [registry],
  });
  const keyCache = options.signatureKeyCache;
  if (keyCache !== undefined) {
    // Read from the pool's totals at scrape time (collect), so the threads never message per metric.
    const total = (name: string, help: string, pick: (stats: KeyCacheStats) => number) =>
      new Counter({
        name,
        help,
        registers: [registry],
        collect(this: Counter) {
          this.reset();
          this.inc(pick(keyCache()));
        },
      });
    total('aurigraph_signature_key_cache_hits_total', 'Signatures whose public key a verify thread had prepared already.', (s) => s.hits);
    total('aurigraph_signature_key_cache_misses_total', 'Signatures whose public key a verify thread had to prepare first.', (s) => s.misses);
    new Gauge({
      name: 'aurigraph_signature_key_cache_bytes',
      help: 'Bytes of prepared public keys the verify threads hold.',
      registers: [registry],
      collect(this: Gauge) {
        this.set(keyCache().bytes);
      },
    });
  }
  const latency = new Histogram({
    name: 'aurigraph_transaction_latency_ms',
    help: 'From a transaction’s submission to this node until it is committed in a block, in milliseconds.',
    buckets: LATENCY_BUCKETS_MS,
    registers: [registry],
  });

  return {
    registry,
    committedTxs(count) {
      tps.record(count, nowMs());
      processed.inc(count);
    },
    transactionCommitted(latencyMs) {
      latency.observe(latencyMs);
    },
    tpsCurrent() {
      return tps.ratePerS(nowMs());
    },
    async render() {
      const status = source.status();
      height.set(status.height);
      // Only the current leader has a series: a leader change must not leave the old one at 1.
      leader.reset();
      if (status.leader !== null) leader.set({ leader: status.leader }, 1);
      tpsCurrent.set(tps.ratePerS(nowMs()));
      commitIndex.set(status.commitIndex);
      appliedIndex.set(status.appliedIndex);
      term.set(status.term);
      pending.set(status.pendingTransactions);
      return registry.metrics();
    },
  };
}

/** Mounts GET /metrics (Prometheus text format) on `app`; the node calls committedTxs on what it returns. */
export function consensusMetricsRoutes(app: Hono, source: MetricsSource, options: ConsensusMetricsOptions = {}): ConsensusMetrics {
  const metrics = createConsensusMetrics(source, options);
  metricsRoute(app, () => metrics.render());
  return metrics;
}
