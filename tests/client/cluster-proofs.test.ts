import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OracleClient } from '../../client/api/index.ts';
import { validatorSet, verifyAttestation, verifyTransactionReceipt, type KnownValidator } from '../../client/verify/index.ts';
import { CLUSTER_TEST_SECRET, startCluster, type TestCluster } from '../support/cluster.ts';
import { call, eventually } from '../support/network.ts';
import { weatherEvent } from '../consensus/fixtures.ts';

/**
 * In a Raft group the block a node stores carries no signature of the others: their co-signatures
 * arrive after it. The proofs a node serves must carry them, so a dApp sees the quorum.
 */
/** Polls of 200 ms: a minute for every voter's key to be known. */
const VOTERS_KNOWN_ATTEMPTS = 300;

describe('proofs served by a Raft group of 3 validators and a business node', () => {
  let cluster: TestCluster;
  let business: OracleClient;
  const url = (id: string): string => cluster.members.find((m) => m.id === id)!.url;

  beforeAll(async () => {
    cluster = await startCluster({ voters: 3, learners: 1 });
    // Nodes answer the cluster only (the gateway in front of them answers dApps).
    business = new OracleClient({ url: url('business-1'), timeoutMs: 30_000, headers: { 'x-cluster-token': CLUSTER_TEST_SECRET } });
  }, 240_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  it('a transaction and an attestation read from the business node verify against a majority of the three validators', async () => {
    const event = weatherEvent({ id: 'cluster-proof-1', feedId: 'feed-cluster-proof', assetId: 'asset-cluster-proof', observedAt: new Date().toISOString() });
    // Delivered to any member: it reaches the leader, which commits it.
    const delivered = await eventually(async () => {
      const reply = await call(`${url('validator-2')}/api/v11/internal/channel-events`, { method: 'POST', headers: { 'x-cluster-token': CLUSTER_TEST_SECRET }, body: { events: [event] } });
      return reply.status === 200 ? (reply.body as { committed: { txHash: string }[] }) : undefined;
    });
    const txHash = delivered.committed[0]!.txHash;

    // Voters' keys are known to a node once each has co-signed a block.
    // Generous: on a loaded machine the third voter's first co-signature can take a while to reach the business node.
    const validators = await eventually<KnownValidator[]>(async () => {
      const known = await business.validators().catch(() => []);
      return known.length === 3 ? known : undefined;
    }, VOTERS_KNOWN_ATTEMPTS);
    const pinned = validatorSet(validators);

    const verified = await eventually(async () => {
      const result = verifyTransactionReceipt(await business.transaction(txHash), pinned, txHash);
      return result.ok ? result : undefined;
    });
    expect(verified.quorum.signers.length).toBeGreaterThanOrEqual(2);

    const attested = verifyAttestation(await business.latestAttestation('feed-cluster-proof'), pinned, 'feed-cluster-proof');
    expect(attested).toMatchObject({ ok: true, txHash });
  }, 120_000);
});
