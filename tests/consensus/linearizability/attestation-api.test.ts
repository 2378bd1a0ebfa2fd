import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFUSED_BEFORE_PROPOSING, refusedBeforeProposing } from './attestation-api.ts';

const ROOT = join(import.meta.dirname, '../../..');
const unavailable = (message: string) => ({ error: { code: 'UNAVAILABLE', message } });

/** Every non-test TypeScript source under the given top-level folders, with its text. */
function sources(...folders: string[]): { path: string; text: string }[] {
  return folders.flatMap((folder) =>
    readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => ({ path: `${folder}/${f}`, text: readFileSync(join(ROOT, folder, f), 'utf8') })),
  );
}

describe('attestation API answers', () => {
  it('counts a refusal thrown before proposing as a delivery that failed for sure', () => {
    expect(refusedBeforeProposing(503, unavailable('no leader is known right now; deliver again'))).toBe(true);
    expect(refusedBeforeProposing(503, unavailable('this node is not the leader; deliver again'))).toBe(true);
    expect(refusedBeforeProposing(503, { error: { code: 'MEMPOOL_FULL', message: 'the mempool holds its maximum of 50000 transactions' } })).toBe(true);
  });

  it('leaves every 503 that may come after proposing unknown', () => {
    for (const message of [
      'leadership changed before the batch was committed; deliver again',
      'events not committed within 10000 ms; deliver again',
      'the consensus node is recovering',
      'the consensus node is stopping',
      'the leader could not be reached; deliver again',
      'the leader answered 502; deliver again',
    ]) {
      expect(refusedBeforeProposing(503, unavailable(message)), message).toBe(false);
    }
  });

  it('needs both the 503 status and the exact code and message', () => {
    expect(refusedBeforeProposing(500, unavailable('this node is not the leader; deliver again'))).toBe(false);
    expect(refusedBeforeProposing(503, { error: { code: 'INTERNAL', message: 'this node is not the leader; deliver again' } })).toBe(false);
    expect(refusedBeforeProposing(503, unavailable('this node is not the leader; deliver again, maybe'))).toBe(false);
    expect(refusedBeforeProposing(503, null)).toBe(false);
  });

  it('finds each listed refusal written in exactly the files its entry names, once in each', () => {
    const code = sources('consensus', 'runtime');
    for (const refusal of REFUSED_BEFORE_PROPOSING) {
      const places = code.flatMap(({ path, text }) => Array.from({ length: text.split(refusal.written).length - 1 }, () => path));
      expect(places.sort(), refusal.written).toEqual([...refusal.where].sort());
    }
  });

  it('counts the boot server\'s answer and a refused forward as refusals before proposing', () => {
    expect(refusedBeforeProposing(503, unavailable('the node is starting; try again shortly'))).toBe(true);
    expect(refusedBeforeProposing(503, unavailable('the node is migrating; try again shortly'))).toBe(true);
    expect(refusedBeforeProposing(503, unavailable('the leader refused the connection; deliver again'))).toBe(true);
  });
});
