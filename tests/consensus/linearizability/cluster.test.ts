import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_TEST_SECRET, startCluster, type TestCluster } from '../../support/cluster.ts';
import { checkAttestationHistory, runAttestationWorkload, waitForAgreedLeader } from './workload.ts';

const HEADERS = { 'x-cluster-token': CLUSTER_TEST_SECRET };

/**
 * The replicated cluster (three validators, one business node, real HTTP between them on loopback)
 * under concurrent clients: attestations delivered to any member, assets read from any member with
 * the default (linearizable) reads. Bounded: 8 clients, at most 400 operations or 20 seconds.
 */
describe('replicated cluster under a concurrent workload', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ voters: 3, learners: 1 });
    await waitForAgreedLeader(cluster.members.map((m) => m.url), HEADERS, 120_000);
  }, 300_000);
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  it('gives answers that form a linearizable history of every feed', async () => {
    const { history, statuses } = await runAttestationWorkload({
      nodeUrls: cluster.members.map((m) => m.url),
      headers: HEADERS,
      clients: 8,
      keys: 3,
      durationMs: 20_000,
      operationsMax: 400,
      requestTimeoutMs: 10_000,
    });
    const result = checkAttestationHistory(history, 60_000);
    if (result.ok === false) console.error(`not linearizable on ${result.key}\n${result.violation.text}\nstatuses ${JSON.stringify(statuses)}`);
    expect(result.ok).toBe(true);
    // Not vacuous: some read saw a committed attestation.
    expect(history.some((op) => op.output?.kind === 'read' && op.output.latest !== null)).toBe(true);
  }, 120_000);
});
