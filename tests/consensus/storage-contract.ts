import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildBlock, genesisBlock, txHashOf } from '../../consensus/chain/index.ts';
import { signBlockHash } from '../../consensus/chain/cosign.ts';
import { stateRoot, StateTree } from '../../consensus/ledger/index.ts';
import { ConsensusRepository, SIGNATURES_PER_BLOCK_MAX, type BlockCommit } from '../../consensus/storage/repository.ts';
import type { OpenDatabase } from '../../db/client.ts';
import { ledgerState } from '../../db/schema/consensus.ts';
import { attest, minute, startConsensus, testSigner, weatherEvent } from './fixtures.ts';

/** One place a node's database lives; `open` can be called again after a close, as on a restart. */
export interface StorageTarget {
  open(): Promise<OpenDatabase>;
  destroy(): Promise<void>;
}

const events = (n: number, from = 0, channelFeed = 'feed-berlin') =>
  Array.from({ length: n }, (_, i) => weatherEvent({ id: `ev-${from + i}`, feedId: channelFeed, observedAt: minute(from + i), value: from + i }));

const CHAIN_ID = 'test-chain';
const proposer = testSigner(31);
const [voter1, voter2, voter3] = [32, 33, 34].map((seed) => testSigner(seed)) as [ReturnType<typeof testSigner>, ReturnType<typeof testSigner>, ReturnType<typeof testSigner>];

/** Genesis and `blocks` blocks of two attestations each, built in memory as a replicated node applies them. */
function buildChain(blocks: number): { commits: BlockCommit[]; states: Map<string, unknown>[] } {
  const state = new Map<string, unknown>();
  const genesis = genesisBlock(CHAIN_ID, minute(0), proposer);
  const commits: BlockCommit[] = [{ block: { ...genesis, transactions: [] }, writes: new Map(), attested: [] }];
  const states = [new Map(state)];
  let head = genesis;
  for (let b = 1; b <= blocks; b++) {
    const batch = events(2, b * 2, 'feed-chain').map((e) => {
      const tx = attest(e);
      return { tx, hash: txHashOf(tx) };
    });
    const built = buildBlock({ chainId: CHAIN_ID, head, state, stateTree: StateTree.from(state), batch, timestamp: minute(b), signer: proposer });
    const { transactions: _txs, ...block } = built.block!;
    commits.push({ block: built.block!, writes: built.writes, attested: built.attested });
    for (const [k, v] of built.writes) state.set(k, v);
    states.push(new Map(state));
    head = block;
  }
  return { commits, states };
}

/** The storage contract: the same suite for every backend (PGlite, Postgres). */
export function storageContract(backend: string, makeTarget: () => StorageTarget): void {
  describe(`consensus storage on ${backend}`, () => {
    let target: StorageTarget;
    let open: OpenDatabase[] = [];
    const openDb = async () => {
      const db = await target.open();
      open.push(db);
      return db;
    };
    /** A repository holding only the genesis block, and that block's hash. */
    const genesisRepo = async () => {
      const repo = new ConsensusRepository((await openDb()).db);
      const [genesis] = buildChain(0).commits;
      await repo.persistBlock(genesis!);
      return { repo, hash: genesis!.block.hash };
    };
    const closeDb = async (db: OpenDatabase) => {
      open = open.filter((d) => d !== db);
      await db.close();
    };

    beforeEach(() => {
      target = makeTarget();
    });
    afterEach(async () => {
      for (const db of open) await db.close();
      open = [];
      await target.destroy();
    });

    it('stores a block with its transactions, state and committed events together', async () => {
      const database = await openDb();
      const node = await startConsensus(database.db);
      const sent = events(3);
      const results = await node.submit(sent.map(attest));
      await node.close();

      const repo = new ConsensusRepository(database.db);
      const [first] = results;
      if (first?.kind !== 'committed') throw new Error(`expected a commit, got ${first?.kind}`);
      const { height } = first;
      const block = await repo.blockWithTransactions(height);
      expect(block?.transactions.map((t) => (t.type === 'attest' ? t.event.id : ''))).toEqual(sent.map((e) => e.id));
      expect(await repo.transaction(block!.txHashes[2]!)).toMatchObject({ height, index: 2 });
      expect(await repo.stateValue('attestation:feed-berlin')).toMatchObject({ eventId: 'ev-2', value: 2 });
      const committed = await repo.committedEventsAfter('weather', 0, 10);
      expect(committed.map((c) => c.event.id)).toEqual(['ev-0', 'ev-1', 'ev-2']);
      expect(committed.every((c) => c.height === height)).toBe(true);
    });

    it('restarts with the same head hash and state root, and keeps building', async () => {
      const first = await openDb();
      const before = await startConsensus(first.db);
      await before.submit(events(2).map(attest));
      await before.submit(events(2, 2).map(attest));
      const statusBefore = before.status();
      await before.close();
      await closeDb(first);

      const second = await openDb();
      const repo = new ConsensusRepository(second.db);
      const head = await repo.head();
      expect(head?.hash).toBe(statusBefore.lastHash);
      expect(head?.header.stateRoot).toBe(stateRoot(await repo.loadState()));

      const after = await startConsensus(second.db);
      expect(after.status()).toMatchObject({ height: statusBefore.height, lastHash: statusBefore.lastHash });
      const [next] = await after.submit([attest(weatherEvent({ id: 'ev-after', observedAt: minute(30) }))]);
      expect(next).toMatchObject({ kind: 'committed', height: statusBefore.height + 1 });
      expect((await repo.block(statusBefore.height + 1))?.header.prevHash).toBe(statusBefore.lastHash);
      await after.close();
    });

    it('answers an event committed before the restart as a duplicate', async () => {
      const first = await openDb();
      const before = await startConsensus(first.db);
      const [original] = await before.submit([attest(events(1)[0]!)]);
      await before.close();
      await closeDb(first);

      const second = await openDb();
      const after = await startConsensus(second.db);
      const [again] = await after.submit([attest(events(1)[0]!)]);
      expect(again).toMatchObject({ kind: 'duplicate', txHash: original!.txHash });
      await after.close();
    });

    it('generates the node key seed once and keeps it', async () => {
      const database = await openDb();
      const repo = new ConsensusRepository(database.db);
      const seed = await repo.nodeKeySeed(() => 'a'.repeat(64));
      expect(await repo.nodeKeySeed(() => 'b'.repeat(64))).toBe(seed);
      await closeDb(database);
      const reopened = await openDb();
      expect(await new ConsensusRepository(reopened.db).nodeKeySeed(() => 'c'.repeat(64))).toBe('a'.repeat(64));
    });

    it('pages one channel after a sequence, in commit order', async () => {
      const database = await openDb();
      const node = await startConsensus(database.db);
      await node.submit(events(5).map(attest));
      await node.close();
      const repo = new ConsensusRepository(database.db);
      const all = await repo.committedEventsAfter('weather', 0, 100);
      const page = await repo.committedEventsAfter('weather', all[1]!.sequence, 2);
      expect(page.map((c) => c.event.id)).toEqual(['ev-2', 'ev-3']);
      expect(await repo.committedEventsAfter('market', 0, 100)).toEqual([]);
      const summaries = await repo.channelSummaries();
      expect(summaries.find((s) => s.name === 'weather')).toEqual({ name: 'weather', events: 5, lastSequence: all[4]!.sequence });
      expect(summaries.find((s) => s.name === 'iot')).toEqual({ name: 'iot', events: 0, lastSequence: null });
    });

    it('refuses to start when the stored state does not match the head state root', async () => {
      const database = await openDb();
      const node = await startConsensus(database.db);
      await node.submit(events(1).map(attest));
      await node.close();
      await database.db.update(ledgerState).set({ value: { forged: true } }).where(eq(ledgerState.key, 'attestation:feed-berlin'));
      await expect(startConsensus(database.db)).rejects.toMatchObject({ code: 'INVARIANT_VIOLATED' });
    });

    it('keeps each valid signature of a block once, however often it is offered', async () => {
      const { repo, hash } = await genesisRepo();
      const first = await repo.addBlockSignatures(0, hash, [signBlockHash(voter1, hash), signBlockHash(voter2, hash)]);
      const again = await repo.addBlockSignatures(0, hash, [signBlockHash(voter2, hash), signBlockHash(voter3, hash)]);
      expect(first).toEqual({ kind: 'stored', added: 2, invalid: [], overLimit: 0 });
      expect(again).toEqual({ kind: 'stored', added: 1, invalid: [], overLimit: 0 });
      const stored = await repo.blockSignatures(0);
      expect(stored.map((s) => s.signer).sort()).toEqual([voter1.nodeId, voter2.nodeId, voter3.nodeId].sort());
      expect(stored.find((s) => s.signer === voter1.nodeId)).toMatchObject({ algorithm: 'ml_dsa87', publicKey: voter1.publicKeyHex });
    });

    it('keeps the signature it holds when a signer offers another, without checking the newcomer', async () => {
      const { repo, hash } = await genesisRepo();
      const sig = signBlockHash(voter1, hash);
      await repo.addBlockSignatures(0, hash, [sig]);
      const forged = { ...sig, signature: sig.signature.replace(/^../, sig.signature.startsWith('00') ? '11' : '00') };
      expect(await repo.addBlockSignatures(0, hash, [forged])).toEqual({ kind: 'stored', added: 0, invalid: [], overLimit: 0 });
      expect(await repo.blockSignatures(0)).toEqual([sig]);
    });

    it('stores one row when the same signature arrives several times at once', async () => {
      const { repo, hash } = await genesisRepo();
      const sig = signBlockHash(voter1, hash);
      const results = await Promise.all([1, 2, 3, 4].map(() => repo.addBlockSignatures(0, hash, [sig])));
      expect(results.reduce((n, r) => n + (r.kind === 'stored' ? r.added : 0), 0)).toBe(1);
      expect(await repo.blockSignatures(0)).toEqual([sig]);
    });

    it('ignores signatures over a hash that is not the stored block, and says so', async () => {
      const database = await openDb();
      const repo = new ConsensusRepository(database.db);
      const [genesis, first] = buildChain(1).commits;
      await repo.persistBlock(genesis!);
      const other = first!.block.hash;
      expect(await repo.addBlockSignatures(0, other, [signBlockHash(voter1, other)])).toEqual({ kind: 'hash_mismatch', storedHash: genesis!.block.hash });
      expect(await repo.blockSignatures(0)).toEqual([]);
    });

    it('stores nothing for a height it holds no block at, and says so', async () => {
      const database = await openDb();
      const repo = new ConsensusRepository(database.db);
      const hash = buildChain(0).commits[0]!.block.hash;
      expect(await repo.addBlockSignatures(5, hash, [signBlockHash(voter1, hash)])).toEqual({ kind: 'block_missing' });
    });

    it('refuses an invalid signature and keeps the valid ones offered with it', async () => {
      const database = await openDb();
      const repo = new ConsensusRepository(database.db);
      const [genesis, first] = buildChain(1).commits;
      await repo.persistBlock(genesis!);
      const { hash } = genesis!.block;
      const wrongHash = signBlockHash(voter1, first!.block.hash);
      const result = await repo.addBlockSignatures(0, hash, [wrongHash, { ...signBlockHash(voter2, hash), signer: voter3.nodeId }, signBlockHash(voter3, hash)]);
      expect(result).toEqual({
        kind: 'stored',
        added: 1,
        invalid: [
          { signer: voter1.nodeId, fault: 'SIGNATURE_INVALID' },
          { signer: voter3.nodeId, fault: 'KEY_MISMATCH' },
        ],
        overLimit: 0,
      });
      expect((await repo.blockSignatures(0)).map((s) => s.signer)).toEqual([voter3.nodeId]);
    });

    it(`keeps at most ${SIGNATURES_PER_BLOCK_MAX} signatures per block`, async () => {
      const { repo, hash } = await genesisRepo();
      const many = Array.from({ length: SIGNATURES_PER_BLOCK_MAX + 2 }, (_, i) => signBlockHash(testSigner(100 + i), hash));
      const result = await repo.addBlockSignatures(0, hash, many);
      expect(result).toMatchObject({ kind: 'stored', added: SIGNATURES_PER_BLOCK_MAX, overLimit: 2 });
      expect(await repo.blockSignatures(0)).toHaveLength(SIGNATURES_PER_BLOCK_MAX);
    }, 60_000);

    it('reports applied Raft index 0 before any block came from the log', async () => {
      const database = await openDb();
      const repo = new ConsensusRepository(database.db);
      expect(await repo.appliedRaftIndex()).toBe(0);
      await repo.persistBlock(buildChain(0).commits[0]!);
      expect(await repo.appliedRaftIndex()).toBe(0);
    });

    it('stores the Raft index of the entry that made a block with it, across a restart', async () => {
      const first = await openDb();
      const [genesis, one, two] = buildChain(2).commits;
      const repo = new ConsensusRepository(first.db);
      await repo.persistBlock({ ...genesis!, raftIndex: 0 });
      await repo.persistBlock({ ...one!, raftIndex: 3 });
      await repo.persistBlock({ ...two!, raftIndex: 7 });
      expect(await repo.appliedRaftIndex()).toBe(7);
      await closeDb(first);
      const second = await openDb();
      expect(await new ConsensusRepository(second.db).appliedRaftIndex()).toBe(7);
    });

    it('refuses a block from a Raft entry at or before the applied index, storing nothing of it', async () => {
      const database = await openDb();
      const repo = new ConsensusRepository(database.db);
      const [genesis, one, two] = buildChain(2).commits;
      await repo.persistBlock(genesis!);
      await repo.persistBlock({ ...one!, raftIndex: 5 });
      await expect(repo.persistBlock({ ...two!, raftIndex: 5 })).rejects.toMatchObject({ code: 'INVARIANT_VIOLATED' });
      expect((await repo.head())?.header.height).toBe(1);
      expect(await repo.appliedRaftIndex()).toBe(5);
    });

    it('keeps the applied Raft index when the block it came with is refused', async () => {
      const database = await openDb();
      const repo = new ConsensusRepository(database.db);
      const [genesis, one] = buildChain(1).commits;
      await repo.persistBlock({ ...genesis!, raftIndex: 0 });
      await repo.persistBlock({ ...one!, raftIndex: 2 });
      await expect(repo.persistBlock({ ...one!, raftIndex: 9 })).rejects.toMatchObject({ code: 'INVARIANT_VIOLATED' });
      expect(await repo.appliedRaftIndex()).toBe(2);
    });

    it('installs a snapshot: the state, the head and the applied index together, and builds on it', async () => {
      const database = await openDb();
      const repo = new ConsensusRepository(database.db);
      const { commits, states } = buildChain(4);
      await repo.persistBlock({ ...commits[0]!, raftIndex: 0 });
      await repo.persistBlock({ ...commits[1]!, raftIndex: 1 });
      const { transactions: _txs, ...head } = commits[3]!.block;
      await repo.replaceLedger({ head, state: states[3]!, raftIndex: 12 });

      expect(await repo.head()).toEqual(head);
      expect(await repo.appliedRaftIndex()).toBe(12);
      const state = await repo.loadState();
      expect(state).toEqual(states[3]);
      expect(stateRoot(state)).toBe(head.header.stateRoot);
      await repo.persistBlock({ ...commits[4]!, raftIndex: 13 });
      expect((await repo.blockWithTransactions(4))?.transactions).toHaveLength(2);
    });

    it('after a snapshot install holds the head without its transactions and not the blocks skipped', async () => {
      const database = await openDb();
      const repo = new ConsensusRepository(database.db);
      const { commits, states } = buildChain(3);
      await repo.persistBlock(commits[0]!);
      await repo.persistBlock(commits[1]!);
      const { transactions: _txs, ...head } = commits[3]!.block;
      await repo.replaceLedger({ head, state: states[3]!, raftIndex: 9 });
      expect(await repo.block(3)).toEqual(head);
      expect(await repo.blockWithTransactions(3)).toBeNull();
      expect(await repo.block(2)).toBeNull();
      expect((await repo.blockWithTransactions(1))?.transactions).toHaveLength(2);
    });

    it('takes the same snapshot twice (a crash before the log noted it) without change', async () => {
      const database = await openDb();
      const repo = new ConsensusRepository(database.db);
      const { commits, states } = buildChain(2);
      await repo.persistBlock(commits[0]!);
      const { transactions: _txs, ...head } = commits[2]!.block;
      await repo.replaceLedger({ head, state: states[2]!, raftIndex: 6 });
      await repo.replaceLedger({ head, state: states[2]!, raftIndex: 6 });
      expect(await repo.head()).toEqual(head);
      expect(await repo.loadState()).toEqual(states[2]);
    });

    it('refuses a snapshot older than the stored chain, keeping the ledger as it was', async () => {
      const database = await openDb();
      const repo = new ConsensusRepository(database.db);
      const { commits, states } = buildChain(2);
      for (const [i, c] of commits.entries()) await repo.persistBlock({ ...c, raftIndex: i === 0 ? 0 : i + 1 });
      const { transactions: _txs, ...old } = commits[1]!.block;
      await expect(repo.replaceLedger({ head: old, state: states[1]!, raftIndex: 10 })).rejects.toMatchObject({ code: 'INVARIANT_VIOLATED' });
      await expect(repo.replaceLedger({ head: old, state: states[1]!, raftIndex: 1 })).rejects.toMatchObject({ code: 'INVARIANT_VIOLATED' });
      expect((await repo.head())?.header.height).toBe(2);
      expect(await repo.loadState()).toEqual(states[2]);
      expect(await repo.appliedRaftIndex()).toBe(3);
    });

    it('refuses to store a block that does not extend the stored head', async () => {
      const database = await openDb();
      const node = await startConsensus(database.db);
      await node.close();
      const repo = new ConsensusRepository(database.db);
      const genesis = await repo.blockWithTransactions(0);
      await expect(repo.persistBlock({ block: genesis!, writes: new Map(), attested: [] })).rejects.toMatchObject({ code: 'INVARIANT_VIOLATED' });
    });
  });
}
