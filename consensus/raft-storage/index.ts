/**
 * Durable Raft storage: a RaftStorage the core reads synchronously, backed by the node's own
 * database (Postgres schema or PGlite directory). Driving loop with it:
 *   storage = await SqlRaftStorage.open(database.db)   // after openDatabase({ part: 'consensus', ... })
 *   new group: if (storage.lastIndex() === 0) await storage.persist(bootstrapState(conf));
 *   rd = node.ready(); await storage.persist(rd); send rd.messages; apply; node.advance(rd);
 *   now and then: await storage.createSnapshot(applied, conf, state); await storage.compact(i).
 */
export { RaftStorageError, type RaftStorageErrorCode } from './errors.ts';
export { MemoryPersistentStorage } from './memory.ts';
export { SqlRaftStorage, type SqlRaftStorageOptions } from './sql-storage.ts';
export type { PersistentRaftStorage, RaftWrite } from './types.ts';
