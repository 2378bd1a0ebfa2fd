import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executeBatch, txHashOf } from '../../../consensus/chain/index.ts';
import { accountKey, readAccountRecord, readTokenRecord, stateRoot, StateTree, tokenKey, type ApplyResult } from '../../../consensus/ledger/index.ts';
import type { AccountRecord, TokenRecord } from '../../../consensus/ledger/index.ts';
import type { Transaction } from '../../../schemas/index.ts';
import { accountIdOf } from '../../../schemas/transaction-signing.ts';
import { attest, minute, weatherEvent } from '../fixtures.ts';
import { TEST_CHAIN_ID, testAccount, unsignedTx, type TestAccount, type UserTxBody } from './fixtures.ts';

const ACCOUNTS: TestAccount[] = [0, 1, 2, 3].map(testAccount);
const ASSETS = ['bond', 'credits', 'gold'] as const;
const RESERVE_FEED = 'feed-berlin';

/** One step of a random history: who signs, what, and how its nonce relates to the signer's next one. */
const Op = fc.record({
  signer: fc.integer({ min: 0, max: ACCOUNTS.length - 1 }),
  /** Mints mostly come from the issuer (account 0), so that most of them apply. */
  byIssuer: fc.boolean(),
  to: fc.integer({ min: 0, max: ACCOUNTS.length - 1 }),
  asset: fc.constantFrom(...ASSETS),
  kind: fc.constantFrom('register', 'mint', 'mint', 'transfer', 'transfer', 'transfer', 'burn', 'retire', 'attest'),
  units: fc.bigInt({ min: 0n, max: 120n }),
  nonceShift: fc.constantFrom(0, 0, 0, 0, 0, 0, -1, 1),
  reserve: fc.integer({ min: 0, max: 100 }),
});
type Op = typeof Op extends fc.Arbitrary<infer T> ? T : never;

function body(op: Op): UserTxBody {
  const to = ACCOUNTS[op.to]!.id;
  const units = op.units.toString();
  switch (op.kind) {
    case 'register':
      return {
        type: 'register_asset',
        assetId: op.asset,
        category: op.asset === 'credits' ? 'carbon' : 'market',
        totalUnits: '1000',
        feeds: [RESERVE_FEED],
        metadata: {},
        ...(op.asset === 'gold' ? { mintPolicy: { type: 'reserve' as const, feedId: RESERVE_FEED, unitsPerValue: '10' } } : {}),
      };
    case 'mint':
      return { type: 'mint', assetId: op.asset, to, units };
    case 'transfer':
      return { type: 'transfer', assetId: op.asset, to, units };
    case 'burn':
      return { type: 'burn', assetId: op.asset, units };
    default:
      return { type: 'retire', assetId: op.asset, units };
  }
}

interface Replica {
  state: Map<string, unknown>;
  tree: StateTree;
  height: number;
}
const newReplica = (): Replica => ({ state: new Map(), tree: StateTree.from(new Map()), height: 0 });

/** Applies one block the way every node does (executeBatch, then the incremental state tree). */
function applyBlock(replica: Replica, txs: readonly Transaction[]): ApplyResult['kind'][] {
  const executed = executeBatch(replica.state, txs.map((tx) => ({ tx, hash: txHashOf(tx) })), ++replica.height, TEST_CHAIN_ID);
  for (const [k, v] of executed.writes) replica.state.set(k, v);
  replica.tree.apply(executed.writes);
  return executed.outcomes.map((o) => (o.kind === 'committed' ? 'applied' : o.kind));
}

const tokens = (state: Map<string, unknown>): TokenRecord[] =>
  ASSETS.map((a) => readTokenRecord(state.get(tokenKey(a)))).filter((t): t is TokenRecord => t !== undefined);
const accounts = (state: Map<string, unknown>): AccountRecord[] =>
  ACCOUNTS.map((a) => readAccountRecord(state.get(accountKey(a.id)))).filter((r): r is AccountRecord => r !== undefined);
const sumOf = (records: AccountRecord[], pick: (r: AccountRecord) => string | undefined): bigint =>
  records.reduce((sum, r) => sum + BigInt(pick(r) ?? '0'), 0n);

/** Every history starts here: account 0 registers the three assets, the reserve is attested, and some units are minted. */
function prelude(): Transaction[] {
  const issuer = ACCOUNTS[0]!;
  const op = (kind: Op['kind'], asset: Op['asset'], to = 0, units = 0n): Op => ({ signer: 0, byIssuer: true, to, asset, kind, units, nonceShift: 0, reserve: 0 });
  const steps = [op('register', 'bond'), op('register', 'credits'), op('register', 'gold'), op('mint', 'bond', 1, 300n), op('mint', 'credits', 2, 300n), op('mint', 'gold', 3, 200n)];
  return [attest(weatherEvent({ id: 'reserve-start', value: 50, observedAt: minute(0) })), ...steps.map((o, nonce) => unsignedTx(issuer, nonce, body(o)))];
}

/** Builds blocks from random ops against replica A (nonces from its state), returning the log it applied. */
function runHistory(ops: Op[], blockSizes: number[]): { log: Transaction[][]; replica: Replica; checks: string[] } {
  const replica = newReplica();
  const log: Transaction[][] = [prelude()];
  applyBlock(replica, log[0]!);
  const checks: string[] = [];
  let previous = replica.state;
  let i = 0;
  for (const size of blockSizes) {
    const block: Transaction[] = [];
    const planned = new Map<string, number>();
    for (const op of ops.slice(i, i + size)) {
      if (op.kind === 'attest') {
        block.push(attest(weatherEvent({ id: `reserve-${i}-${block.length}`, value: op.reserve, observedAt: minute(1 + replica.height * 100 + block.length) })));
        continue;
      }
      const signer = ACCOUNTS[op.kind === 'mint' && op.byIssuer ? 0 : op.signer]!;
      const next = planned.get(signer.id) ?? readAccountRecord(replica.state.get(accountKey(signer.id)))?.nonce ?? 0;
      const nonce = Math.max(0, next + op.nonceShift);
      planned.set(signer.id, nonce === next ? next + 1 : next);
      block.push(unsignedTx(signer, nonce, body(op)));
    }
    i += size;
    const before = structuredClone(previous);
    const outcomes = applyBlock(replica, block);
    checks.push(...invariantFailures(before, replica.state, block, outcomes));
    previous = new Map(replica.state);
    log.push(block);
  }
  return { log, replica, checks };
}

/** Every way the ledger's invariants could be broken between two states, as readable lines (none expected). */
function invariantFailures(before: Map<string, unknown>, after: Map<string, unknown>, block: Transaction[], outcomes: string[]): string[] {
  const failures: string[] = [];
  const holders = accounts(after);
  for (const account of holders) {
    for (const [asset, units] of Object.entries(account.balances)) if (BigInt(units) <= 0n) failures.push(`balance ${units} of ${asset}`);
  }
  for (const token of tokens(after)) {
    const outstanding = BigInt(token.issued) - BigInt(token.burned) - BigInt(token.retired);
    const held = sumOf(holders, (r) => r.balances[token.assetId]);
    if (held !== outstanding) failures.push(`${token.assetId}: balances ${held} != outstanding ${outstanding}`);
    if (BigInt(token.issued) > BigInt(token.totalUnits)) failures.push(`${token.assetId}: issued above total`);
    if (sumOf(holders, (r) => r.retired[token.assetId]) !== BigInt(token.retired)) failures.push(`${token.assetId}: retired counts disagree`);
    const earlier = readTokenRecord(before.get(tokenKey(token.assetId)));
    if (earlier !== undefined) {
      for (const field of ['issued', 'burned', 'retired'] as const) {
        if (BigInt(token[field]) < BigInt(earlier[field])) failures.push(`${token.assetId}: ${field} went down`);
      }
      if (earlier.issuer !== token.issuer) failures.push(`${token.assetId}: issuer changed`);
    }
  }
  for (const a of ACCOUNTS) {
    const was = readAccountRecord(before.get(accountKey(a.id)));
    const now = readAccountRecord(after.get(accountKey(a.id)));
    for (const [asset, units] of Object.entries(was?.retired ?? {})) {
      if (BigInt(now?.retired[asset] ?? '0') < BigInt(units)) failures.push(`retired ${asset} of ${a.id} went down`);
    }
  }
  block.forEach((tx, i) => {
    if (outcomes[i] !== 'applied' || tx.type !== 'mint') return;
    const token = readTokenRecord(before.get(tokenKey(tx.assetId))) ?? readTokenRecord(after.get(tokenKey(tx.assetId)));
    if (token?.issuer !== accountIdOf(tx.from)) failures.push(`a mint of ${tx.assetId} by a non-issuer applied`);
  });
  return failures;
}

const histories = fc.record({
  ops: fc.array(Op, { minLength: 1, maxLength: 120 }),
  blockSizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 40 }),
});

describe('ledger properties over random transaction histories', () => {
  it('never breaks an invariant: no negative balance, supply = balances, only the issuer mints, retired units stay retired', () => {
    fc.assert(
      fc.property(histories, ({ ops, blockSizes }) => {
        expect(runHistory(ops, blockSizes).checks).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('brings two replicas applying the same log to the same state and state root', () => {
    fc.assert(
      fc.property(histories, ({ ops, blockSizes }) => {
        const { log, replica } = runHistory(ops, blockSizes);
        const other = newReplica();
        for (const block of log) applyBlock(other, block);
        expect(other.tree.root()).toBe(replica.tree.root());
        expect(stateRoot(other.state)).toBe(replica.tree.root());
        expect(other.state).toEqual(replica.state);
      }),
      { numRuns: 100 },
    );
  });

  it('lets a transfer change no supply counter', () => {
    fc.assert(
      fc.property(histories, ({ ops, blockSizes }) => {
        const { log } = runHistory(ops, blockSizes);
        const replica = newReplica();
        for (const block of log) {
          for (const tx of block) {
            const before = tokens(replica.state).map((t) => [t.issued, t.burned, t.retired].join('/'));
            const [outcome] = applyBlock(replica, [tx]);
            if (tx.type === 'transfer' && outcome === 'applied') expect(tokens(replica.state).map((t) => [t.issued, t.burned, t.retired].join('/'))).toEqual(before);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
