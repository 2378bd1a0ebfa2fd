import { afterEach, describe, expect, it } from 'vitest';
import { GatewayStats } from '../../schemas/index.ts';
import { startFlakyPair } from './support.ts';

const RESET_MS = 800;
const VOLUME_MIN = 4;

describe('gateway upstream breakers', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function rig() {
    const { flaky, flakyNode, steady, gw } = await startFlakyPair(closers, {
      GATEWAY_BREAKER_RESET_MS: String(RESET_MS),
      GATEWAY_BREAKER_VOLUME_MIN: String(VOLUME_MIN),
    });
    const get = async () => {
      const res = await fetch(gw.api('/consensus/blocks/1'));
      const body = (await res.json()) as { served?: string };
      return { status: res.status, served: body.served };
    };
    const breakerOf = async (url: string) => {
      const stats = GatewayStats.parse(await (await fetch(gw.api('/stats'))).json());
      return stats.upstreams.find((u) => u.url === url)?.breaker;
    };
    return { flaky, flakyNode, steady, gw, get, breakerOf };
  }

  it('opens the breaker of a node answering 500 repeatedly, after which only the other node gets traffic', async () => {
    const { flaky, flakyNode, steady, get, breakerOf } = await rig();
    flaky.answer.status = 500;
    // Round-robin: every other request reaches the flaky node until its breaker has seen VOLUME_MIN failures.
    for (let i = 0; i < VOLUME_MIN * 2; i++) await get();
    expect(flakyNode.seen).toHaveLength(VOLUME_MIN);
    expect(await breakerOf(flakyNode.url)).toBe('open');

    const after = [];
    for (let i = 0; i < 6; i++) after.push(await get());
    expect(after).toEqual(Array.from({ length: 6 }, () => ({ status: 200, served: 'steady' })));
    expect(flakyNode.seen).toHaveLength(VOLUME_MIN);
    expect(await breakerOf(steady.url)).toBe('closed');
  });

  it('lets a trial request through after the reset timeout and closes the breaker when the node answers well', async () => {
    const { flaky, flakyNode, get, breakerOf } = await rig();
    flaky.answer.status = 500;
    for (let i = 0; i < VOLUME_MIN * 2; i++) await get();
    expect(await breakerOf(flakyNode.url)).toBe('open');

    flaky.answer.status = 200;
    await new Promise((resolve) => setTimeout(resolve, RESET_MS + 200));
    expect(await breakerOf(flakyNode.url)).toBe('half_open');
    const served = [];
    for (let i = 0; i < 4; i++) served.push((await get()).served);
    expect(served).toContain('flaky');
    expect(await breakerOf(flakyNode.url)).toBe('closed');
    // Back in the rotation: it gets its share again.
    expect(served.filter((s) => s === 'flaky').length).toBeGreaterThanOrEqual(2);
  });

  it('never opens the breaker on 4xx answers, which are the request’s fault, not the node’s', async () => {
    const { flaky, flakyNode, get, breakerOf } = await rig();
    flaky.answer.status = 404;
    const statuses = [];
    for (let i = 0; i < VOLUME_MIN * 6; i++) statuses.push((await get()).status);
    expect(statuses.filter((s) => s === 404)).toHaveLength(VOLUME_MIN * 3);
    expect(flakyNode.seen).toHaveLength(VOLUME_MIN * 3);
    expect(await breakerOf(flakyNode.url)).toBe('closed');
  });
});
