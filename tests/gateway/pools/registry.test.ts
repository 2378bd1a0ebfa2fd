import { describe, expect, it } from 'vitest';
import { SmoothWeightedBalancer } from '../../../gateway/pools/balancer.ts';
import { PoolRegistry } from '../../../gateway/pools/registry.ts';
import type { AnnouncedNode } from '../../../schemas/index.ts';

const LATER = '2030-01-01T00:00:00.000Z';
const announced = (over: Partial<AnnouncedNode>): AnnouncedNode => ({ nodeId: 'validator@x', pool: 'validators', url: 'http://x', weight: 1, expiresAt: LATER, ...over });
const registry = (validators: string[] = []) => new PoolRegistry({ validators, business: [], slim: [] }, new SmoothWeightedBalancer());
const urls = (r: PoolRegistry) => r.all().map((u) => `${u.source}:${u.url}`);

describe('pool membership', () => {
  it('adds an announced node to its pool and reports it as joined', () => {
    const r = registry(['http://configured']);
    const change = r.reconcile([announced({ nodeId: 'v2', url: 'http://announced', weight: 3 })]);
    expect(change.added.map((u) => u.url)).toEqual(['http://announced']);
    expect(urls(r)).toEqual(['config:http://configured', 'announced:http://announced']);
    expect(r.members('validators')[1]?.weight).toBe(3);
  });

  it('removes an announced node once its announcement is no longer live', () => {
    const r = registry();
    r.reconcile([announced({ url: 'http://announced' })]);
    const change = r.reconcile([]);
    expect(change.removed.map((u) => u.url)).toEqual(['http://announced']);
    expect(r.all()).toEqual([]);
  });

  it('never removes a configured member, and lets it take the weight it announces while it does', () => {
    const r = registry(['http://configured/']);
    r.reconcile([announced({ nodeId: 'v1', url: 'http://configured', weight: 4 })]);
    expect(urls(r)).toEqual(['config:http://configured']);
    expect(r.members('validators')[0]?.weight).toBe(4);
    expect(r.reconcile([]).removed).toEqual([]);
    expect(r.members('validators')[0]).toMatchObject({ weight: 1, nodeId: null, expiresAt: null });
  });

  it('keeps the same member (its health and counters) across renewals and follows its new weight', () => {
    const r = registry();
    r.reconcile([announced({ url: 'http://a', weight: 1 })]);
    const first = r.members('validators')[0];
    first?.recordProbe({ status: 'up', latencyMs: 1, checkedAt: new Date() });
    const change = r.reconcile([announced({ url: 'http://a', weight: 2 })]);
    expect(change).toEqual({ added: [], removed: [] });
    expect(r.members('validators')[0]).toBe(first);
    expect(first?.weight).toBe(2);
  });

  it('counts one member for two announcements of one address, with the later expiry', () => {
    const r = registry();
    r.reconcile([
      announced({ nodeId: 'old', url: 'http://a', expiresAt: '2030-01-01T00:00:01.000Z' }),
      announced({ nodeId: 'new', url: 'http://a', expiresAt: '2030-01-01T00:00:05.000Z' }),
    ]);
    expect(r.all().map((u) => u.nodeId)).toEqual(['new']);
  });

  it('routes to a node as soon as it has joined', () => {
    const r = registry();
    expect(r.select([['slim']])).toBeUndefined();
    r.reconcile([announced({ nodeId: 'slim@s', pool: 'slim', url: 'http://s' })]);
    expect(r.select([['slim']])?.url).toBe('http://s');
  });
});
