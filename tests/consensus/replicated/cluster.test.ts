import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsensusStatus } from '../../../schemas/index.ts';
import { CLUSTER_TEST_SECRET, startCluster, type TestCluster } from '../../support/cluster.ts';
import { call, eventually, TEST_DATABASE_URL } from '../../support/network.ts';
import { weatherEvent } from '../fixtures.ts';

const token = { 'x-cluster-token': CLUSTER_TEST_SECRET };

interface Finality {
  final: boolean;
  signers: string[];
  required: number;
}
interface BlockReply {
  hash: string;
  header: { height: number; stateRoot: string; proposer: string };
  signatures: { signer: string }[];
  finality: Finality;
}

async function status(url: string): Promise<ConsensusStatus> {
  return (await call(`${url}/api/v11/consensus/status`, { headers: token })).body as ConsensusStatus;
}

async function deliver(url: string, ids: string[], assetId = 'asset-cluster'): Promise<{ committed: { eventId: string; height: number }[] }> {
  const events = ids.map((id, i) => weatherEvent({ id, assetId, feedId: `feed-${assetId}`, observedAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 0, 0) + i * 1000 + ids.length).toISOString() }));
  const reply = await call(`${url}/api/v11/internal/channel-events`, { method: 'POST', headers: token, body: { events } });
  expect(reply.status).toBe(200);
  return reply.body as { committed: { eventId: string; height: number }[] };
}

async function leaderOf(cluster: TestCluster): Promise<string> {
  return eventually(async () => {
    for (const m of cluster.members) {
      if (!cluster.nodes.has(m.id)) continue;
      const s = await status(m.url).catch(() => undefined);
      if (s?.role === 'leader') return m.id;
    }
    return undefined;
  });
}

const url = (cluster: TestCluster, id: string): string => cluster.members.find((m) => m.id === id)!.url;

describe.each([
  ['embedded PGlite', undefined],
  ['PostgreSQL', TEST_DATABASE_URL],
])('a Raft group of 3 validators and 2 business nodes on %s', (_name, postgresUrl) => {
  let cluster: TestCluster;
  const skip = _name === 'PostgreSQL' && postgresUrl === undefined;

  beforeAll(async () => {
    if (skip) return;
    cluster = await startCluster({ voters: 3, learners: 2, postgresUrl });
    await leaderOf(cluster);
  }, 240_000);

  afterAll(async () => {
    await cluster?.close();
  }, 30_000);

  it.skipIf(skip)('elects one leader among the validators and reports every member with its role', async () => {
    const leader = await leaderOf(cluster);
    expect(leader).toMatch(/^validator-/);
    const s = await status(url(cluster, 'business-1'));
    expect(s.role).toBe('learner');
    expect(s.members.map((m) => [m.id, m.role])).toEqual([
      ['validator-1', 'voter'],
      ['validator-2', 'voter'],
      ['validator-3', 'voter'],
      ['business-1', 'learner'],
      ['business-2', 'learner'],
    ]);
  });

  it.skipIf(skip)('commits events delivered to any member and every member stores the same block at every height', async () => {
    for (const [i, m] of cluster.members.entries()) await deliver(m.url, [`same-${i}-a`, `same-${i}-b`]);
    const heights = await Promise.all(cluster.members.map(async (m) => (await status(m.url)).height));
    const top = Math.max(...heights);
    await eventually(async () => ((await Promise.all(cluster.members.map((m) => status(m.url).catch(() => undefined)))).every((s) => s?.height === top) ? true : undefined));
    for (let h = 0; h <= top; h++) {
      // Stale on purpose: every member reported this height already, so what each applied is the chain.
      const replies = await Promise.all(cluster.members.map((m) => call(`${m.url}/api/v11/consensus/blocks/${h}?consistency=stale`, { headers: token })));
      expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
      const blocks = replies.map((r) => r.body as BlockReply);
      expect(new Set(blocks.map((b) => b.hash)).size).toBe(1);
      expect(new Set(blocks.map((b) => b.header.stateRoot)).size).toBe(1);
    }
  });

  it.skipIf(skip)('makes a block final once a majority of the validators has co-signed it, as seen from a business node', async () => {
    const { committed } = await deliver(url(cluster, 'validator-1'), ['final-a']);
    const height = committed[0]!.height;
    const block = await eventually(async () => {
      const b = (await call(`${url(cluster, 'business-2')}/api/v11/consensus/blocks/${height}`, { headers: token })).body as BlockReply;
      return b.finality?.final === true ? b : undefined;
    });
    expect(block.finality).toMatchObject({ final: true, required: 2 });
  });

  it.skipIf(skip)('signs blocks on validators only: every signature a business node serves is a validator’s', async () => {
    const { committed } = await deliver(url(cluster, 'business-1'), ['voters-sign']);
    const height = committed[0]!.height;
    const voters = (await status(url(cluster, 'business-1'))).members.filter((m) => m.role === 'voter').map((m) => m.nodeId);
    const block = await eventually(async () => {
      const b = (await call(`${url(cluster, 'business-1')}/api/v11/consensus/blocks/${height}`, { headers: token })).body as BlockReply;
      return b.signatures?.length === 3 ? b : undefined;
    });
    expect(block.signatures.map((s) => s.signer).sort()).toEqual([...voters].sort());
  });

  it.skipIf(skip)('answers a read on a business node with a write just committed through another member (linearizable by default)', async () => {
    await deliver(url(cluster, 'business-1'), ['read-your-write'], 'asset-linearizable');
    const reply = await call(`${url(cluster, 'business-2')}/api/v11/state/assets/asset-linearizable`, { headers: token });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-consistency')).toBe('linearizable');
  });

  it.skipIf(skip)('serves a stale read without asking the leader, saying which height it reflects', async () => {
    const reply = await call(`${url(cluster, 'business-1')}/api/v11/consensus/blocks/0?consistency=stale`, { headers: token });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-consistency')).toBe('stale');
    expect(Number(reply.headers.get('x-applied-height'))).toBeGreaterThan(0);
  });

  it.skipIf(skip)('refuses an unknown consistency with a 400 naming it', async () => {
    const reply = await call(`${url(cluster, 'business-1')}/api/v11/consensus/blocks/0?consistency=eventual`, { headers: token });
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).toContain('eventual');
  });

  it.skipIf(skip)('elects a new leader when the leader stops, and it commits the next delivery', async () => {
    const old = await leaderOf(cluster);
    await cluster.stop(old);
    const next = await leaderOf(cluster);
    expect(next).not.toBe(old);
    const { committed } = await eventually(async () => deliver(url(cluster, 'business-1'), ['after-failover']).catch(() => undefined));
    expect(committed.map((c) => c.eventId)).toEqual(['after-failover']);
    await cluster.start(old);
    // The restarted validator catches up to the head it missed.
    const top = (await eventually(async () => status(url(cluster, next)).catch(() => undefined))).height;
    await eventually(async () => ((await status(url(cluster, old)).catch(() => undefined))?.height ?? -1) >= top ? true : undefined);
    // The co-signatures sent while it was down are offered again once it answers: the block it missed becomes final there too.
    const missed = committed[0]!.height;
    await eventually(async () => {
      const b = (await call(`${url(cluster, old)}/api/v11/consensus/blocks/${missed}?consistency=stale`, { headers: token })).body as BlockReply;
      return b.finality?.final === true && b.finality.signers.length === 3 ? true : undefined;
    });
  }, 90_000);

  it.skipIf(skip)('promotes a business node to voter through the leader', async () => {
    const leader = await leaderOf(cluster);
    const reply = await call(`${url(cluster, leader)}/api/v11/internal/consensus/members/business-2`, {
      method: 'POST',
      headers: token,
      body: { type: 'promote_learner' },
    });
    expect(reply.status).toBe(202);
    const s = await eventually(async () => {
      const st = await status(url(cluster, 'business-2'));
      return st.members.find((m) => m.id === 'business-2')?.role === 'voter' ? st : undefined;
    });
    expect(s.members.filter((m) => m.role === 'voter')).toHaveLength(4);
  });

  it.skipIf(skip)('refuses a membership change on a follower with a retryable 503', async () => {
    const leader = await leaderOf(cluster);
    const follower = cluster.members.find((m) => m.role === 'validator' && m.id !== leader && cluster.nodes.has(m.id))!;
    const reply = await call(`${follower.url}/api/v11/internal/consensus/members/business-1`, { method: 'POST', headers: token, body: { type: 'remove_node' } });
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('1');
  });
});
