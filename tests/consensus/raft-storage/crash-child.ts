/**
 * Run by crash.test.ts in its own process, to be killed with SIGKILL at any moment: opens the
 * Raft storage, takes the next term, says where it starts ("term <t> from <index>"), and appends batches of entries, printing
 * "persisted <last index>" right after each persist resolves. Every line it printed is a promise
 * the storage must keep after the kill.
 */
import { SqlRaftStorage } from '../../../consensus/raft-storage/index.ts';
import type { Entry } from '../../../consensus/raft/index.ts';
import { openDatabase } from '../../../db/client.ts';
import { CrashTargetSchema, crashPayload } from './crash-payload.ts';

const BATCHES_MAX = 100_000;
/** The parent kills well before this; the limit only stops an orphan. */
const RUN_MS_MAX = 30_000;

const target = CrashTargetSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
setTimeout(() => process.exit(2), RUN_MS_MAX).unref();

const database = await openDatabase({ part: 'consensus', url: target.url, dataDir: target.dataDir, schema: target.schema, maxConnections: 1 });
const storage = await SqlRaftStorage.open(database.db);
const term = storage.initialState().hardState.term + 1;
let next = storage.lastIndex() + 1;
await storage.persist({ hardState: { term, vote: null, commit: storage.lastIndex() } });
process.stdout.write(`term ${term} from ${next}\n`);

for (let batch = 0; batch < BATCHES_MAX; batch++) {
  const count = 1 + (batch % 16);
  const entries: Entry[] = Array.from({ length: count }, (_, k) => ({ index: next + k, term, type: 'normal', data: crashPayload(next + k, term) }));
  const last = next + count - 1;
  await storage.persist({ entries, hardState: { term, vote: null, commit: last } });
  // A pipe write is synchronous on Linux: once this returns, the parent will read the line even if we die next.
  process.stdout.write(`persisted ${last}\n`);
  next = last + 1;
}
await storage.close();
await database.close();
