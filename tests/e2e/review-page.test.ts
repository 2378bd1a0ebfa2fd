import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signedReading } from '../../demo/iot-device.ts';
import { Attestation, DeviceCreated, FeedCreated } from '../../schemas/index.ts';
import { launchChromium, type TestBrowser } from '../support/browser.ts';
import { issueKeys, call, eventually, startTestNetwork, type TestNetwork } from '../support/network.ts';

/** Where the screenshot goes (git-ignored). */
const ARTIFACTS_DIR = 'tests/artifacts';
const UI_TIMEOUT_MS = 60_000;

describe('the reviewer page at /review, in headless Chromium', () => {
  let net: TestNetwork;
  let chrome: TestBrowser;
  let page: Page;
  const keys = { provider: '', dapp: '', reviewer: '' };
  const browserErrors: string[] = [];

  beforeAll(async () => {
    net = await startTestNetwork();
    await issueKeys(net.api, keys, 'review page');
    chrome = await launchChromium();
    page = await chrome.context.newPage();
    // Script errors only: answers such as the 404 before an attestation exists are expected and handled.
    page.on('pageerror', (e) => browserErrors.push(e.message));
  }, 180_000);
  afterAll(async () => {
    await chrome?.close();
    await net?.stop();
  });

  /** A push feed of a container's temperature (range -30..10 °C) from its own signing device. */
  async function pushFeed(deviceId: string, assetId: string): Promise<{ device: DeviceCreated; feedId: string }> {
    const registered = await call(`${net.api}/external/devices`, { method: 'POST', key: keys.provider, body: { id: deviceId, name: `${deviceId} sensor`, assetId } });
    expect(registered.status).toBe(201);
    const created = await call(`${net.api}/external/feeds`, {
      method: 'POST',
      key: keys.provider,
      body: {
        name: `${deviceId} temperature`,
        category: 'iot',
        assetId,
        source: { adapter: 'push', params: { deviceId, metric: 'temperature', unit: '°C' } },
        quality: { range: { min: -30, max: 10 } },
      },
    });
    expect(created.status).toBe(201);
    return { device: DeviceCreated.parse(registered.body), feedId: FeedCreated.parse(created.body).id };
  }

  /** Pushes one signed reading; answers the chain's decision and the review id when it was queued. */
  async function push(feed: { device: DeviceCreated; feedId: string }, value: number, observedAtMs: number): Promise<{ decision: string; reviewId?: string }> {
    const pushed = await call(`${net.api}/external/feeds/${feed.feedId}/observations`, {
      method: 'POST',
      key: keys.provider,
      body: { readings: [signedReading(feed.device, feed.feedId, new Date(observedAtMs).toISOString(), value)] },
    });
    expect(pushed.status).toBe(200);
    const result = (pushed.body as { results: { decision: string; reviewId?: string }[] }).results[0];
    if (result === undefined) throw new Error('no result for the pushed reading');
    return result;
  }

  it('refuses a key of another role at sign-in', async () => {
    await page.goto(`${net.gateway.url}/review`);
    await page.fill('#key', keys.dapp);
    await page.press('#key', 'Enter');
    await expect.poll(() => page.textContent('#sign-in-error'), { timeout: UI_TIMEOUT_MS }).toContain('FORBIDDEN');
    expect(await page.isVisible('#workspace')).toBe(false);
  }, 120_000);

  it('signs in, shows an item’s nine checks, approves it with a reason and sees it committed in a block', async () => {
    // A container with a sensor of its own and a second one: a history of normal readings, then one far outside the range.
    const asset = 'container-21';
    const feed = await pushFeed('reefer-21', asset);
    const other = await pushFeed('reefer-21-backup', asset);
    const nowMs = Date.now();
    for (const [i, value] of [4.0, 4.3, 4.1].entries()) expect((await push(feed, value, nowMs - 3_000 + i * 1_000)).decision).toBe('accepted');
    expect((await push(other, 4.4, nowMs - 500)).decision).toBe('accepted');
    const held = await push(feed, 41.5, nowMs);
    expect(held.decision).toBe('rejected');
    const reviewId = held.reviewId ?? '';
    const feedId = feed.feedId;

    await page.goto(`${net.gateway.url}/review`);
    await page.fill('#key', keys.reviewer);
    await page.press('#key', 'Enter');
    const row = page.locator(`[data-review-id="${reviewId}"]`);
    await row.waitFor({ timeout: UI_TIMEOUT_MS });
    await row.click();
    await page.locator('table.checks tbody tr').nth(8).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator('table.checks tbody tr').count()).toBe(9);
    // The value beside its history (three accepted readings and itself) and beside the other sensor of the asset.
    expect(await page.locator('svg.chart circle').count()).toBe(4);
    expect(await page.locator('svg.chart circle.chart-current').count()).toBe(1);
    expect(await page.locator('table.sources tbody tr').count()).toBe(1);
    expect(await page.locator('table.sources tbody').textContent()).toContain('4.4');

    // Keyboard: `a` chooses approve and focuses the reason; a reason is required.
    await page.locator('#queue').focus();
    await page.keyboard.press('a');
    await page.keyboard.press('Control+Enter');
    expect(await page.textContent('#decision-error')).toContain('reason');
    await page.keyboard.type('door opened during loading; confirmed by the driver');
    await page.keyboard.press('Control+Enter');

    await expect.poll(() => page.textContent('#commit-status'), { timeout: UI_TIMEOUT_MS, interval: 500 }).toMatch(/Committed in block #\d+/);
    await expect.poll(() => page.locator('#audit tr').first().textContent(), { timeout: UI_TIMEOUT_MS }).toContain(reviewId);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS_DIR}/review-page.png`, fullPage: true });

    // What the page said, checked independently: the approved value is attested in a block the validator signed.
    const attestation = await eventually(async () => {
      const r = await call(`${net.api}/query/attestations/${feedId}/latest`, { key: keys.dapp });
      return r.status === 200 ? Attestation.parse(r.body) : undefined;
    });
    expect(attestation.event.approval?.reviewId).toBe(reviewId);
    expect(attestation.value).toBe(41.5);
    expect(await page.textContent('#commit-status')).toContain(`#${attestation.height}`);
    expect(browserErrors).toEqual([]);
  }, 240_000);

  it('serves the page’s own files only, under a policy that allows no inline script', async () => {
    const html = await fetch(`${net.gateway.url}/review`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = html.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
    expect((await fetch(`${net.gateway.url}/review/app.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    const unknown = await call(`${net.gateway.url}/review/notes.txt`);
    expect(unknown.status).toBe(404);
    expect((unknown.body as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('filters the queue by category and answers 404 for the context of an unknown item', async () => {
    const feed = await pushFeed('reefer-31', 'container-31');
    const held = await push(feed, 55, Date.now());
    const iot = await call(`${net.api}/reviews?category=iot`, { key: keys.reviewer });
    expect((iot.body as { reviews: { id: string }[] }).reviews.map((r) => r.id)).toContain(held.reviewId);
    const market = await call(`${net.api}/reviews?category=market`, { key: keys.reviewer });
    expect((market.body as { reviews: unknown[] }).reviews).toEqual([]);
    const missing = await call(`${net.api}/reviews/rev_unknown/context`, { key: keys.reviewer });
    expect(missing.status).toBe(404);
    expect((missing.body as { error: { code: string } }).error.code).toBe('REVIEW_NOT_FOUND');
  });
});
