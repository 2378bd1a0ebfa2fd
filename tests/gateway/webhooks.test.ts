import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { easyPostSignature } from '../../oracles/easypost.ts';
import { FeedCreated } from '../../schemas/index.ts';
import { CLUSTER_SECRET as SLIM_CLUSTER_SECRET, PROVIDER_A, SlimNode } from '../slim/service/support/slim-node.ts';
import { startTestGateway, type TestGateway } from './support.ts';

const EVENT = readFileSync(new URL('../fixtures/easypost/event-tracker-updated.json', import.meta.url), 'utf8');

describe('gateway: source webhooks', () => {
  let slim: SlimNode;
  let gw: TestGateway;
  beforeAll(async () => {
    slim = await SlimNode.start();
    gw = await startTestGateway({ slim: [slim.url] }, { CLUSTER_SECRET: SLIM_CLUSTER_SECRET });
  });
  afterAll(async () => {
    await gw.close();
    await slim.close();
  });

  it('relays a signed EasyPost event to the slim worker without an API key', async () => {
    const registered = await slim.call('POST', '/api/v11/external/feeds', {
      as: PROVIDER_A,
      body: {
        name: 'Shipment 42',
        category: 'iot',
        assetId: 'shipment-42',
        source: { adapter: 'easypost-tracker', params: { trackingCode: '9405500207552011812894' } },
      },
    });
    const feed = FeedCreated.parse(registered.body);
    const signature = easyPostSignature(feed.webhookSecret ?? '', new TextEncoder().encode(EVENT));
    const res = await fetch(gw.api(`/external/webhooks/easypost/${feed.id}`), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hmac-signature': signature },
      body: EVENT,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ eventId: 'evt_ad2365c22d1511f0b5364ffbb3e7a1f1' });
  });

  it('lets an unsigned event reach the worker, which answers for the feed rather than the gateway asking for a key', async () => {
    const res = await fetch(gw.api('/external/webhooks/easypost/feed_unknown'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: EVENT });
    // 404 from the worker (no such feed), not the gateway's 401 for a missing key.
    expect(res.status).toBe(404);
  });
});
