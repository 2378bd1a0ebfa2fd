import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stateRoot } from '../../consensus/ledger/index.ts';
import { ConsensusRepository } from '../../consensus/storage/repository.ts';
import type { OpenDatabase } from '../../db/client.ts';
import { ledgerState } from '../../db/schema/consensus.ts';
import { attest, minute, startConsensus, weatherEvent } from './fixtures.ts';

/** One place a node's database lives; `open` can be called again after a close, as on a restart. */
export interface StorageTarget {
  open(): Promise<OpenDatabase>;
  destroy(): Promise<void>;
}

const events = (n: number, from = 0, channelFeed = 'feed-berlin') =>
  Array.from({ length: n }, (_, i) => weatherEvent({ id: `ev-${from + i}`, feedId: channelFeed, observedAt: minute(from + i), value: from + i }));

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
