import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SqlRaftStorage } from '../../../consensus/raft-storage/index.ts';
import { openDatabase } from '../../../db/client.ts';
import { TEST_DATABASE_URL, dropSchema, uniqueSchema } from '../../support/databases.ts';
import { crashPayload, type CrashTarget } from './crash-payload.ts';
import { pgliteDir } from './pglite-dir.ts';

const KILLS = 3;
const RUN_AFTER_READY_MS_MIN = 300;
const RUN_AFTER_READY_MS_MAX = 1_500;
/** Opening PGlite in a fresh process takes seconds, far more on a loaded machine. */
const CHILD_READY_MS_MAX = 60_000;
const CHILD = new URL('./crash-child.ts', import.meta.url).pathname;

interface ChildRun {
  term: number;
  /** The first index this run wrote; the ones before it that no run reported may hold any earlier term. */
  from: number;
  /** The highest index the child said was persisted (every index up to it was written in this or an earlier run). */
  persistedLast: number;
  killedAfterMs: number;
}

/** Starts the child, lets it write for a random while after it is ready, and kills it with SIGKILL. */
function runAndKill(target: CrashTarget): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(target)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killedAfterMs = RUN_AFTER_READY_MS_MIN + Math.floor(Math.random() * (RUN_AFTER_READY_MS_MAX - RUN_AFTER_READY_MS_MIN));
  let out = '';
  let err = '';
  let term = 0;
  let from = 0;
  return new Promise((resolve, reject) => {
    const notReady = setTimeout(() => child.kill('SIGKILL'), CHILD_READY_MS_MAX);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const started = /^term (\d+) from (\d+)$/m.exec(out);
      if (term === 0 && started) {
        term = Number(started[1]);
        from = Number(started[2]);
        clearTimeout(notReady);
        setTimeout(() => child.kill('SIGKILL'), killedAfterMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(notReady);
      if (signal !== 'SIGKILL' || term === 0) return reject(new Error(`crash child ended by ${signal ?? code} before it was killed: ${err}`));
      const persisted = [...out.matchAll(/^persisted (\d+)$/gm)].map((m) => Number(m[1]));
      resolve({ term, from, persistedLast: Math.max(0, ...persisted), killedAfterMs });
    });
  });
}

/** Reads the storage back in this process and checks every promise the children made. */
async function checkPromises(target: CrashTarget, promised: Map<number, number>): Promise<{ lastIndex: number; commit: number; missing: number[] }> {
  const database = await openDatabase({ part: 'consensus', ...target });
  try {
    const storage = await SqlRaftStorage.open(database.db);
    const lastIndex = storage.lastIndex();
    const missing: number[] = [];
    for (const [index, term] of promised) {
      const got = index <= lastIndex ? storage.entries(index, index + 1, Infinity)[0] : undefined;
      if (got === undefined || got.term !== term || !Buffer.from(got.data).equals(crashPayload(index, term))) missing.push(index);
    }
    return { lastIndex, commit: storage.initialState().hardState.commit, missing };
  } finally {
    await database.close();
  }
}

function crashSuite(backend: string, target: () => CrashTarget, cleanup: (t: CrashTarget) => Promise<void>): void {
  it(`on ${backend}, every entry a writer reported persisted survives SIGKILL with the same term and bytes`, async () => {
    const t = target();
    const promised = new Map<number, number>();
    try {
      // Migrate the schema here first, so each child only opens it.
      await checkPromises(t, promised);
      for (let kill = 0; kill < KILLS; kill++) {
        const run = await runAndKill(t);
        for (let i = run.from; i <= run.persistedLast; i++) promised.set(i, run.term);
        const seen = await checkPromises(t, promised);
        expect({ kill, killedAfterMs: run.killedAfterMs, missing: seen.missing }).toEqual({ kill, killedAfterMs: run.killedAfterMs, missing: [] });
        expect(seen.commit).toBeGreaterThanOrEqual(run.persistedLast);
        expect(run.persistedLast).toBeGreaterThanOrEqual(run.from);
      }
    } finally {
      await cleanup(t);
    }
  }, 300_000);
}

describe('raft storage under SIGKILL', () => {
  const dir = pgliteDir('raft-crash');
  crashSuite('PGlite', () => ({ dataDir: dir.path, schema: uniqueSchema('raft_crash') }), async () => {});

  describe.skipIf(TEST_DATABASE_URL === undefined)('with TEST_DATABASE_URL', () => {
    const url = TEST_DATABASE_URL ?? '';
    crashSuite('Postgres', () => ({ url, dataDir: '', schema: uniqueSchema('raft_crash') }), (t) => dropSchema(url, t.schema));
  });
});
