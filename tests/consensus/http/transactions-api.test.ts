import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startValidator } from '../../../consensus/index.ts';
import { CLUSTER_TOKEN_HEADER } from '../../../runtime/cluster-auth.ts';
import { loadConfig } from '../../../runtime/config.ts';
import type { RunningNode } from '../../../runtime/node.ts';
import { AccountState, ErrorBody, SubmitTransactionsResult, TransactionReceipt, TransactionSubmission, type UserTransaction } from '../../../schemas/index.ts';
import { TEST_DATABASE_URL, dropSchema, tempDir, uniqueSchema } from '../../support/databases.ts';
import { silentLogger } from '../fixtures.ts';
import { signedTx, testAccount, type UserTxBody } from '../ledger/fixtures.ts';

const SECRET = 'cluster-secret-for-tests';
const CHAIN_ID = 'test-chain';
const issuer = testAccount(10);
const alice = testAccount(11);
const bob = testAccount(12);

interface Answer {
  status: number;
  body: unknown;
}

/** A validator on its own storage, with the calls a dApp makes. */
function validatorUnderTest(env: Record<string, string>) {
  let node: RunningNode;
  const start = async () => {
    const config = loadConfig({ ROLE: 'validator', CLUSTER_SECRET: SECRET, CHAIN_ID, BLOCK_INTERVAL_MS: '20', PORT: '0', SIGNATURE_VERIFY_THREADS: '2', ...env });
    node = await startValidator(config, silentLogger);
  };
  const call = async (method: string, path: string, body?: unknown, raw?: string): Promise<Answer> => {
    // A connection of its own per call: the server closes one after refusing a body it did not read (413).
    const dispatcher = new Agent();
    try {
      const res = await undiciFetch(`${node.url}/api/v11${path}`, {
        method,
        dispatcher,
        headers: { [CLUSTER_TOKEN_HEADER]: SECRET, 'content-type': 'application/json' },
        ...(raw !== undefined ? { body: raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: await res.json() };
    } finally {
      await dispatcher.close();
    }
  };
  return { start, stop: () => node?.close(), url: () => node.url, call, submit: (tx: unknown) => call('POST', '/transaction', tx) };
}

const errorCode = (answer: Answer): string => ErrorBody.parse(answer.body).error.code;

const register: UserTxBody = { type: 'register_asset', assetId: 'bond-api', category: 'market', totalUnits: '1000', feeds: [], metadata: { name: 'API bond' } };
const mint = (units: string): UserTxBody => ({ type: 'mint', assetId: 'bond-api', to: alice.id, units });
const transfer = (units: string): UserTxBody => ({ type: 'transfer', assetId: 'bond-api', to: bob.id, units });

describe('POST /transaction on an embedded validator', () => {
  const dir = tempDir('tx-api');
  const v = validatorUnderTest({ DATA_DIR: dir.path, DB_SCHEMA: 'tx_api' });
  beforeAll(v.start, 60_000);
  afterAll(async () => {
    await v.stop();
    dir.remove();
  });

  const height = async (): Promise<number> => ((await v.call('GET', '/consensus/status')).body as { height: number }).height;

  it('commits a signed registration, mint and transfer, and the state shows them', async () => {
    for (const [account, nonce, body] of [[issuer, 0, register], [issuer, 1, mint('100')], [alice, 0, transfer('30')]] as const) {
      const answer = await v.submit(signedTx(account, nonce, body));
      expect(answer.status).toBe(200);
      expect(TransactionSubmission.parse(answer.body)).toMatchObject({ status: 'committed' });
    }
    const account = AccountState.parse((await v.call('GET', `/state/accounts/${alice.id}`)).body);
    expect(account).toEqual({ accountId: alice.id, nonce: 1, balances: { 'bond-api': '70' }, retired: {} });
    expect((await v.call('GET', '/state/assets/bond-api')).body).toMatchObject({ token: { issuer: issuer.id, issued: '100', totalUnits: '1000' } });
  });

  it('times a signed transaction to its commit in aurigraph_transaction_latency_ms', async () => {
    const committedCount = async (): Promise<number> => {
      const text = await (await undiciFetch(`${v.url()}/metrics`)).text();
      return Number(/^aurigraph_transaction_latency_ms_count(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const before = await committedCount();
    const answer = await v.submit(signedTx(testAccount(14), 0, { ...register, assetId: 'bond-timed' }));
    expect(answer.status).toBe(200);
    expect(await committedCount()).toBe(before + 1);
  });

  it('shows an account that never transacted as empty, at nonce 0', async () => {
    const stranger = testAccount(13);
    expect((await v.call('GET', `/state/accounts/${stranger.id}`)).body).toEqual({ accountId: stranger.id, nonce: 0, balances: {}, retired: {} });
  });

  describe('refuses bad transactions, each with its own code, and none reaches a block', () => {
    let before: number;
    beforeAll(async () => {
      before = await height();
    });
    afterAll(async () => {
      // Refusals are answered before the log: the chain did not move.
      expect(await height()).toBe(before);
    });

    it('answers a body that is not JSON with 400 INVALID_JSON', async () => {
      const answer = await v.call('POST', '/transaction', undefined, '{"type":');
      expect([answer.status, errorCode(answer)]).toEqual([400, 'INVALID_JSON']);
    });

    it('answers a transaction missing a field with 400 INVALID_INPUT naming it', async () => {
      const { units: _units, ...incomplete } = signedTx(alice, 1, transfer('1')) as Extract<UserTransaction, { type: 'transfer' }>;
      const answer = await v.submit(incomplete);
      expect([answer.status, errorCode(answer)]).toEqual([400, 'INVALID_INPUT']);
      expect(JSON.stringify(answer.body)).toContain('units');
    });

    it('answers a body over the size limit with 413 PAYLOAD_TOO_LARGE', async () => {
      const answer = await v.call('POST', '/transaction', undefined, JSON.stringify({ ...signedTx(alice, 1, transfer('1')), padding: 'x'.repeat(1_100_000) }));
      expect([answer.status, errorCode(answer)]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    });

    it('answers a from that is no ML-DSA key with 400 ACCOUNT_KEY_INVALID', async () => {
      const answer = await v.submit({ ...signedTx(alice, 1, transfer('1')), from: 'ab'.repeat(100) });
      expect([answer.status, errorCode(answer)]).toEqual([400, 'ACCOUNT_KEY_INVALID']);
    });

    it('answers a transaction changed after signing with 401 SIGNATURE_INVALID', async () => {
      const answer = await v.submit({ ...signedTx(alice, 1, transfer('1')), units: '2' });
      expect([answer.status, errorCode(answer)]).toEqual([401, 'SIGNATURE_INVALID']);
    });

    it('answers a transaction signed for another chain with 422 CHAIN_ID_MISMATCH', async () => {
      const answer = await v.submit(signedTx(alice, 1, transfer('1'), 'another-chain'));
      expect([answer.status, errorCode(answer)]).toEqual([422, 'CHAIN_ID_MISMATCH']);
    });

    it('answers a replayed transaction with 409 NONCE_REPLAYED', async () => {
      const answer = await v.submit(signedTx(alice, 0, transfer('30')));
      expect([answer.status, errorCode(answer)]).toEqual([409, 'NONCE_REPLAYED']);
    });

    it('answers a nonce ahead of the account with 409 NONCE_OUT_OF_ORDER', async () => {
      const answer = await v.submit(signedTx(alice, 5, transfer('1')));
      expect([answer.status, errorCode(answer)]).toEqual([409, 'NONCE_OUT_OF_ORDER']);
    });

    it('answers a transfer beyond the balance with 422 INSUFFICIENT_BALANCE, and its receipt says rejected', async () => {
      const tx = signedTx(alice, 1, transfer('71'));
      const answer = await v.submit(tx);
      expect([answer.status, errorCode(answer)]).toEqual([422, 'INSUFFICIENT_BALANCE']);
      const hash = (await v.submit({ transactions: [tx] })).body as SubmitTransactionsResult;
      const receipt = TransactionReceipt.parse((await v.call('GET', `/transaction/${hash.results[0]!.hash}`)).body);
      expect(receipt).toMatchObject({ status: 'rejected', rejection: { code: 'INSUFFICIENT_BALANCE' } });
    });

    it('answers a mint by someone other than the issuer with 422 NOT_ISSUER', async () => {
      const answer = await v.submit(signedTx(alice, 1, mint('1')));
      expect([answer.status, errorCode(answer)]).toEqual([422, 'NOT_ISSUER']);
    });
  });

  it('admits a batch against the sender pending transactions: the second spend of the same units is refused', async () => {
    const answer = await v.submit({ transactions: [signedTx(alice, 1, transfer('50')), signedTx(alice, 2, transfer('50')), signedTx(alice, 2, transfer('5'))] });
    expect(answer.status).toBe(200);
    const { results } = SubmitTransactionsResult.parse(answer.body);
    expect(results.map((r) => r.status)).toEqual(['committed', 'rejected', 'committed']);
    expect(results[1]!.error?.code).toBe('INSUFFICIENT_BALANCE');
    expect(AccountState.parse((await v.call('GET', `/state/accounts/${bob.id}`)).body).balances).toEqual({ 'bond-api': '85' });
  });
});

describe.skipIf(TEST_DATABASE_URL === undefined)('POST /transaction on Postgres (TEST_DATABASE_URL)', () => {
  const schema = uniqueSchema('tx_api');
  const v = validatorUnderTest({ DATABASE_URL: TEST_DATABASE_URL ?? '', DB_SCHEMA: schema });
  beforeAll(v.start, 60_000);
  afterAll(async () => {
    await v.stop();
    await dropSchema(TEST_DATABASE_URL ?? '', schema);
  });

  it('commits a signed registration and refuses its replay', async () => {
    const tx = signedTx(issuer, 0, register);
    expect((await v.submit(tx)).status).toBe(200);
    const again = await v.submit(tx);
    expect([again.status, errorCode(again)]).toEqual([409, 'NONCE_REPLAYED']);
  });
});
