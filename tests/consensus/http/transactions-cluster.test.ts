import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountState, ConsensusStatus, ErrorBody, SubmitTransactionsResult, TransactionSubmission } from '../../../schemas/index.ts';
import { CLUSTER_TEST_SECRET, startCluster, type TestCluster } from '../../support/cluster.ts';
import { signedTx, testAccount, type UserTxBody } from '../ledger/fixtures.ts';

/** The members' default chain id (CHAIN_ID unset). */
const CHAIN_ID = 'oracle-local-1';
const issuer = testAccount(20);
const register: UserTxBody = { type: 'register_asset', assetId: 'bond-raft', category: 'market', totalUnits: '1000', feeds: [], metadata: {} };
const mint = (units: string) => ({ type: 'mint', assetId: 'bond-raft', to: testAccount(21).id, units }) as const;

let cluster: TestCluster;
const urlOf = (role: 'validator' | 'business', nth = 0) => cluster.members.filter((m) => m.role === role)[nth]!.url;
const call = async (url: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${url}/api/v11${path}`, {
    method,
    headers: { 'x-cluster-token': CLUSTER_TEST_SECRET, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as unknown };
};

beforeAll(async () => {
  cluster = await startCluster({ voters: 3, learners: 1, env: { SIGNATURE_VERIFY_THREADS: '1' } });
  // Writes need a leader: wait until a member names one.
  for (let i = 0; i < 600; i++) {
    const status = ConsensusStatus.parse((await call(urlOf('business'), 'GET', '/consensus/status?consistency=stale')).body);
    if (status.leaderMemberId !== null && status.leaderMemberId !== undefined) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no leader in 60 s');
}, 120_000);

afterAll(() => cluster?.close(), 60_000);

describe('signed transactions in the Raft group', () => {
  it('commits a transaction sent to a business node, verified there and admitted by the leader', async () => {
    const answer = await call(urlOf('business'), 'POST', '/transaction', signedTx(issuer, 0, register, CHAIN_ID));
    expect(answer.status).toBe(200);
    expect(TransactionSubmission.parse(answer.body).status).toBe('committed');
  });

  it('refuses the same transaction replayed through another member with 409 NONCE_REPLAYED', async () => {
    const answer = await call(urlOf('validator', 1), 'POST', '/transaction', signedTx(issuer, 0, register, CHAIN_ID));
    expect([answer.status, ErrorBody.parse(answer.body).error.code]).toEqual([409, 'NONCE_REPLAYED']);
  });

  it('admits consecutive nonces of one account in one batch, counting the pending ones on the leader', async () => {
    const answer = await call(urlOf('business'), 'POST', '/transaction', { transactions: [signedTx(issuer, 1, mint('10'), CHAIN_ID), signedTx(issuer, 2, mint('5'), CHAIN_ID)] });
    expect(SubmitTransactionsResult.parse(answer.body).results.map((r) => r.status)).toEqual(['committed', 'committed']);
    const account = AccountState.parse((await call(urlOf('validator', 2), 'GET', `/state/accounts/${testAccount(21).id}`)).body);
    expect(account.balances).toEqual({ 'bond-raft': '15' });
  });
});
