import { describe, expect, it } from 'vitest';
import { SmoothWeightedBalancer } from '../../../gateway/pools/balancer.ts';
import { OutlierEjector } from '../../../gateway/pools/ejector.ts';
import { PoolRegistry } from '../../../gateway/pools/registry.ts';
import type { Upstream } from '../../../gateway/pools/upstream.ts';

const POLICY = { consecutiveFailuresMax: 3, baseEjectionMs: 10_000, ejectionMsMax: 60_000, ejectedPercentMax: 50 };

function setUp(validators: string[]) {
  const clock = { nowMs: 0 };
  const registry = new PoolRegistry({ validators, business: [], slim: [] }, new SmoothWeightedBalancer(), () => clock.nowMs);
  const ejected: string[] = [];
  const ejector = new OutlierEjector(registry, POLICY, (u) => ejected.push(u.url), undefined, () => clock.nowMs);
  const failTimes = (u: Upstream | undefined, n: number) => {
    for (let i = 0; i < n; i++) if (u !== undefined) ejector.failed(u);
  };
  return { clock, registry, ejector, ejected, failTimes };
}

describe('the outlier ejector', () => {
  it('takes a failing member out of rotation and gives it back after the cool-down', () => {
    const { clock, registry, ejected, failTimes } = setUp(['http://a', 'http://b']);
    failTimes(registry.members('validators')[0], 3);
    expect(ejected).toEqual(['http://a']);
    expect([1, 2, 3].map(() => registry.select([['validators']])?.url)).toEqual(['http://b', 'http://b', 'http://b']);
    clock.nowMs = 10_000;
    expect(new Set([1, 2].map(() => registry.select([['validators']])?.url))).toEqual(new Set(['http://a', 'http://b']));
  });

  it('keeps at least half of a pool in rotation however many members fail', () => {
    const { registry, ejected, failTimes } = setUp(['http://a', 'http://b', 'http://c', 'http://d']);
    for (const u of registry.members('validators')) failTimes(u, 3);
    expect(ejected).toEqual(['http://a', 'http://b']);
  });

  it('never ejects the only member of a pool', () => {
    const { registry, ejected, failTimes } = setUp(['http://only']);
    failTimes(registry.members('validators')[0], 10);
    expect(ejected).toEqual([]);
    expect(registry.select([['validators']])?.url).toBe('http://only');
  });
});
