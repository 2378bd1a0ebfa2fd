import { describe, expect, it } from 'vitest';
import { dueAtMs, percentile, summarizeStage, type Outcome } from '../../bench/load/stats.ts';

describe('staged load statistics', () => {
  it('spaces arrivals evenly at the target rate, whatever the answers do', () => {
    expect([0, 1, 2, 50].map((i) => dueAtMs(i, 50))).toEqual([0, 20, 40, 1000]);
  });

  it('takes nearest-rank percentiles of sorted latencies', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99)]).toEqual([50, 95, 99]);
    expect(percentile([], 99)).toBe(0);
  });

  it('counts 429s as limited, other non-2xx answers, failures and unsent requests as errors', () => {
    const outcomes: Outcome[] = [
      { kind: 'answered', status: 200, latencyMs: 10 },
      { kind: 'answered', status: 429, latencyMs: 5 },
      { kind: 'answered', status: 503, latencyMs: 30 },
      { kind: 'failed', latencyMs: 10_000 },
      { kind: 'dropped' },
    ];
    const report = summarizeStage(50, outcomes, 1_000);
    expect(report).toMatchObject({ targetRps: 50, achievedRps: 3, errors: 3, limited: 1, unanswered: 1, notSent: 1, requests: 5, p50Ms: 10, p99Ms: 30 });
  });
});
