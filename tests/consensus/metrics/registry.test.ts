import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { consensusMetricsRoutes } from '../../../consensus/metrics/registry.ts';
import type { ConsensusStatus } from '../../../schemas/index.ts';

const LEADER = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

const fakeStatus: ConsensusStatus = {
  chainId: 'test-chain',
  nodeId: OTHER,
  role: 'follower',
  leader: LEADER,
  term: 4,
  height: 7,
  lastHash: 'c'.repeat(64),
  commitIndex: 12,
  appliedIndex: 11,
  members: [],
  pendingTransactions: 3,
};

function fakeNode(overrides: Partial<ConsensusStatus> = {}) {
  let status: ConsensusStatus = { ...fakeStatus, ...overrides };
  let nowMs = 0;
  const app = new Hono();
  const metrics = consensusMetricsRoutes(app, { status: () => status }, { tpsWindowMs: 10_000, tpsBucketMs: 1_000, nowMs: () => nowMs });
  return {
    metrics,
    setStatus: (next: Partial<ConsensusStatus>) => {
      status = { ...status, ...next };
    },
    setNow: (ms: number) => {
      nowMs = ms;
    },
    scrape: async () => {
      const res = await app.request('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      return res.text();
    },
  };
}

/** Value lines only (no HELP/TYPE comments). */
const samples = (text: string) => text.split('\n').filter((line) => line.length > 0 && !line.startsWith('#'));

describe('GET /metrics', () => {
  it('exposes block height, leader and committed transactions per second with their values', async () => {
    const node = fakeNode();
    node.setNow(1_000);
    node.metrics.committedTxs(30);
    node.setNow(2_500);
    node.metrics.committedTxs(20);
    const text = await node.scrape();
    expect(samples(text)).toEqual(
      expect.arrayContaining(['aurigraph_consensus_block_height 7', `aurigraph_consensus_leader_id{leader="${LEADER}"} 1`, 'aurigraph_consensus_tps_current 5']),
    );
  });

  it('exposes commit index, applied index, term and pending transactions', async () => {
    const text = await fakeNode().scrape();
    expect(samples(text)).toEqual(
      expect.arrayContaining([
        'aurigraph_consensus_commit_index 12',
        'aurigraph_consensus_applied_index 11',
        'aurigraph_consensus_term 4',
        'aurigraph_consensus_pending_transactions 3',
      ]),
    );
  });

  it('shows only the new leader after a leader change', async () => {
    const node = fakeNode();
    await node.scrape();
    node.setStatus({ leader: OTHER, term: 5 });
    const leaders = samples(await node.scrape()).filter((l) => l.startsWith('aurigraph_consensus_leader_id'));
    expect(leaders).toEqual([`aurigraph_consensus_leader_id{leader="${OTHER}"} 1`]);
  });

  it('shows no leader series while there is no leader', async () => {
    const text = await fakeNode({ leader: null }).scrape();
    expect(samples(text).some((l) => l.startsWith('aurigraph_consensus_leader_id'))).toBe(false);
  });

  it('keeps the series of two nodes in one process apart', async () => {
    const low = fakeNode({ height: 1 });
    const high = fakeNode({ height: 9 });
    expect(samples(await low.scrape())).toContain('aurigraph_consensus_block_height 1');
    expect(samples(await high.scrape())).toContain('aurigraph_consensus_block_height 9');
  });

  it('reports the verify threads’ prepared-key cache as read at each scrape', async () => {
    let stats = { hits: 5, misses: 2, bytes: 40_000 };
    const app = new Hono();
    consensusMetricsRoutes(app, { status: () => fakeStatus }, { signatureKeyCache: () => stats });
    const scrape = async () => samples(await (await app.request('/metrics')).text());
    expect(await scrape()).toEqual(
      expect.arrayContaining(['aurigraph_signature_key_cache_hits_total 5', 'aurigraph_signature_key_cache_misses_total 2', 'aurigraph_signature_key_cache_bytes 40000']),
    );
    stats = { hits: 9, misses: 3, bytes: 60_000 };
    expect(await scrape()).toEqual(expect.arrayContaining(['aurigraph_signature_key_cache_hits_total 9', 'aurigraph_signature_key_cache_misses_total 3']));
  });
});
