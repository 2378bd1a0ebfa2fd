import { describe, expect, it } from 'vitest';
import { PendingProposals, type ProposalWaiter } from '../../../consensus/replicated/pending-proposals.ts';

function recorder(): ProposalWaiter<string> & { settled: string[]; failed: unknown[] } {
  const r = { settled: [] as string[], failed: [] as unknown[], settle: (x: string) => r.settled.push(x), fail: (e: unknown) => r.failed.push(e) };
  return r;
}

describe('proposals waiting for their entry', () => {
  it('are settled with the result when their own entry is applied', () => {
    const p = new PendingProposals<string>();
    const w = recorder();
    p.add(5, 2, 'mine', w);
    p.applied(5, 'mine', 'ok', 'replaced');
    expect(w.settled).toEqual(['ok']);
    expect(p.size).toBe(0);
  });

  it('fail as replaced when another proposal is applied at their index', () => {
    const p = new PendingProposals<string>();
    const w = recorder();
    p.add(5, 2, 'mine', w);
    p.applied(5, 'theirs', 'ok', 'replaced');
    expect(w.failed).toEqual(['replaced']);
  });

  it('fail as replaced when a new leader wrote another term at their index', () => {
    const p = new PendingProposals<string>();
    const w = recorder();
    p.add(5, 2, 'mine', w);
    p.dropReplaced((i) => (i === 5 ? 3 : undefined), 'replaced');
    expect(w.failed).toEqual(['replaced']);
  });

  it('keep waiting while their index still holds their term', () => {
    const p = new PendingProposals<string>();
    const w = recorder();
    p.add(5, 2, 'mine', w);
    p.dropReplaced(() => 2, 'replaced');
    expect(w.failed).toEqual([]);
    expect(p.size).toBe(1);
  });

  it('fail as replaced when the log no longer holds their index at all', () => {
    const p = new PendingProposals<string>();
    const w = recorder();
    p.add(9, 2, 'mine', w);
    p.dropReplaced(() => undefined, 'replaced');
    expect(w.failed).toEqual(['replaced']);
  });
});
