import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_TOKEN_HEADER, PRINCIPAL_ID_HEADER } from '../../../runtime/cluster-auth.ts';
import { easyPostSignature } from '../../../oracles/easypost.ts';
import { ErrorBody, Feed, FeedCreated, QualityReport, type FeedRegistration } from '../../../schemas/index.ts';
import { call } from '../../support/network.ts';
import { CLUSTER_SECRET, PROVIDER_A, SlimNode } from '../service/support/slim-node.ts';

/** The documented Event, as EasyPost sends it: these exact bytes are signed. */
const EVENT = readFileSync(new URL('../../fixtures/easypost/event-tracker-updated.json', import.meta.url), 'utf8');
const TRACKING_CODE = '9405500207552011812894';

const trackerFeed = (trackingCode = TRACKING_CODE): FeedRegistration => ({
  name: 'Shipment 42',
  category: 'iot',
  assetId: 'shipment-42',
  source: { adapter: 'easypost-tracker', params: { trackingCode, carrier: 'USPS', metric: 'shipment_stage' } },
  schedule: { intervalMs: 60_000 },
  quality: {},
});

const errorOf = (body: unknown) => ErrorBody.parse(body).error;

describe('slim worker: EasyPost tracker webhooks', () => {
  let slim: SlimNode;
  beforeAll(async () => {
    slim = await SlimNode.start();
  });
  afterAll(() => slim.close());

  const register = async (registration = trackerFeed()) => {
    const res = await slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: registration });
    expect(res.status).toBe(201);
    const created = FeedCreated.parse(res.body);
    if (created.webhookSecret === undefined) throw new Error('no webhook secret in the registration answer');
    return { feed: created, secret: created.webhookSecret };
  };

  /** As the gateway relays a public request: cluster token, anonymous principal, the client's headers. */
  const post = (feedId: string, rawBody: string, signature?: string) =>
    call(`${slim.url}/api/v11/external/webhooks/easypost/${feedId}`, {
      method: 'POST',
      rawBody,
      headers: {
        [CLUSTER_TOKEN_HEADER]: CLUSTER_SECRET,
        [PRINCIPAL_ID_HEADER]: 'anonymous',
        ...(signature === undefined ? {} : { 'x-hmac-signature': signature }),
      },
    });

  const sign = (secret: string, rawBody: string) => easyPostSignature(secret, new TextEncoder().encode(rawBody));

  const feedNow = async (id: string) => Feed.parse((await slim.call('GET', `/api/v11/external/feeds/${id}`, { as: PROVIDER_A })).body);
  const evaluations = (feed: Feed) => feed.stats.accepted + feed.stats.review + feed.stats.rejected;

  it('shows the webhook secret once, at registration, and never in later reads', async () => {
    const { feed, secret } = await register();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const read = await slim.call('GET', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A });
    expect(JSON.stringify(read.body)).not.toContain(secret);
  });

  it('records a correctly signed tracker event as an observation dated by the newest tracking detail', async () => {
    const { feed, secret } = await register();
    const res = await post(feed.id, EVENT, sign(secret, EVENT));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ eventId: 'evt_ad2365c22d1511f0b5364ffbb3e7a1f1' });
    const after = await feedNow(feed.id);
    expect(evaluations(after)).toBe(1);
    expect(after.lastObservation).toMatchObject({
      observedAt: '2023-12-24T12:44:43.000Z',
      value: 1,
      unit: 'stage',
      data: { shipment: { trackingCode: TRACKING_CODE, status: 'pre_transit', carrier: 'USPS', location: { city: 'HOUSTON' } } },
    });
  });

  it('refuses an event with a wrong signature with 401 and records nothing', async () => {
    const { feed } = await register();
    const res = await post(feed.id, EVENT, sign('not-the-feed-secret', EVENT));
    expect(res.status).toBe(401);
    expect(errorOf(res.body).code).toBe('UNAUTHENTICATED');
    const after = await feedNow(feed.id);
    expect(evaluations(after)).toBe(0);
    expect(after.lastObservation).toBeNull();
  });

  it('refuses an event signed over other bytes than those sent with 401', async () => {
    const { feed, secret } = await register();
    const reserialized = JSON.stringify(JSON.parse(EVENT));
    const res = await post(feed.id, reserialized, sign(secret, EVENT));
    expect(res.status).toBe(401);
  });

  it('refuses an unsigned event with 401 naming the header', async () => {
    const { feed } = await register();
    const res = await post(feed.id, EVENT);
    expect(res.status).toBe(401);
    expect(errorOf(res.body).message).toContain('X-Hmac-Signature');
    expect(evaluations(await feedNow(feed.id))).toBe(0);
  });

  it('refuses an event for another tracking code with 400 naming it', async () => {
    const { feed, secret } = await register(trackerFeed('EZ1000000001'));
    const res = await post(feed.id, EVENT, sign(secret, EVENT));
    expect(res.status).toBe(400);
    expect(errorOf(res.body).message).toContain(TRACKING_CODE);
    expect(evaluations(await feedNow(feed.id))).toBe(0);
  });

  it('scores a replay of the same event 0 on uniqueness: same content', async () => {
    const { feed, secret } = await register();
    const signature = sign(secret, EVENT);
    expect((await post(feed.id, EVENT, signature)).status).toBe(200);
    const replay = await post(feed.id, EVENT, signature);
    expect(replay.status).toBe(200);
    const quality = QualityReport.parse((replay.body as { quality: unknown }).quality);
    expect(quality.checks.find((c) => c.check === 'uniqueness')).toMatchObject({ score: 0, reason: 'duplicate content' });
    expect(quality.decision).toBe('rejected');
  });

  it('acknowledges events that carry no tracker with 202 and records nothing', async () => {
    const { feed, secret } = await register();
    const other = JSON.stringify({ object: 'Event', id: 'evt_1', description: 'batch.updated', result: { object: 'Batch' } });
    const res = await post(feed.id, other, sign(secret, other));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ eventId: 'evt_1' });
    expect(evaluations(await feedNow(feed.id))).toBe(0);
  });

  it('refuses events for a paused feed with 409 FEED_PAUSED and records nothing', async () => {
    const { feed, secret } = await register();
    await slim.call('PATCH', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A, body: { status: 'paused' } });
    const res = await post(feed.id, EVENT, sign(secret, EVENT));
    expect(res.status).toBe(409);
    expect(errorOf(res.body).code).toBe('FEED_PAUSED');
    expect(evaluations(await feedNow(feed.id))).toBe(0);
  });

  it('refuses an event from another carrier than the feed names with 400', async () => {
    const registration = trackerFeed();
    const { feed, secret } = await register({ ...registration, source: { adapter: 'easypost-tracker', params: { trackingCode: TRACKING_CODE, carrier: 'UPS', metric: 'shipment_stage' } } });
    const res = await post(feed.id, EVENT, sign(secret, EVENT));
    expect(res.status).toBe(400);
    expect(errorOf(res.body).message).toContain('USPS');
  });

  it('answers 404 for a feed that is not an EasyPost tracker', async () => {
    const res = await post('feed_does_not_exist', EVENT, 'hmac-sha256-hex=00');
    expect(res.status).toBe(404);
  });
});
