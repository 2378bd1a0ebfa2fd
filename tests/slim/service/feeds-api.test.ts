import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ErrorBody, Feed, FeedCreated, NodeHealth, Observation, QualityReport, type FeedRegistration } from '../../../schemas/index.ts';
import { signedReading } from '../../../demo/iot-device.ts';
import { eventually } from '../../support/network.ts';
import { ADMIN, CLUSTER_SECRET, PROVIDER_A, PROVIDER_B, pushFeed, registerPushFeed, weatherFeed } from './support/slim-node.ts';
import { useSlimRig } from './support/slim-rig.ts';

const errorOf = (body: unknown) => ErrorBody.parse(body).error;
const detailPaths = (body: unknown) => ((errorOf(body).details ?? []) as { path: string }[]).map((d) => d.path);

describe('slim worker: feeds API', () => {
  const rig = useSlimRig();
  const { source, validator } = rig;

  /** Push feeds are registered with a device of their own (see registerPushFeed). */
  const register = async (body: FeedRegistration, as = PROVIDER_A) => {
    if (body.source.adapter === 'push') return (await registerPushFeed(rig.slim, body, as)).feed;
    const res = await rig.slim.call('POST', '/api/v11/external/feeds', { as, body });
    expect(res.status).toBe(201);
    return FeedCreated.parse(res.body);
  };

  it('refuses a request without the cluster token with 401', async () => {
    const res = await rig.slim.call('GET', '/api/v11/external/feeds', { as: PROVIDER_A, token: null });
    expect(res.status).toBe(401);
    expect(errorOf(res.body).code).toBe('UNAUTHENTICATED');
    const wrong = await rig.slim.call('GET', '/api/v11/health', { token: 'not-the-cluster-secret-at-all' });
    expect(wrong.status).toBe(401);
  });

  it('answers liveness without a token', async () => {
    const res = await rig.slim.call('GET', '/livez', { token: null });
    expect(res.status).toBe(200);
  });

  it('rejects an invalid registration with 400 naming the field', async () => {
    const bad = weatherFeed(source.url);
    const res = await rig.slim.call('POST', '/api/v11/external/feeds', {
      as: PROVIDER_A,
      body: { ...bad, source: { adapter: 'open-meteo', params: { ...bad.source.params, latitude: 123 } } },
    });
    expect(res.status).toBe(400);
    expect(errorOf(res.body).code).toBe('INVALID_INPUT');
    expect(detailPaths(res.body)).toContain('source.params.latitude');
  });

  it('rejects a registration whose category does not match its source with 400 naming category', async () => {
    const res = await rig.slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: { ...pushFeed(), category: 'weather' } });
    expect(res.status).toBe(400);
    expect(detailPaths(res.body)).toContain('category');
  });

  it('rejects malformed JSON with 400 INVALID_JSON', async () => {
    const res = await rig.slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, rawBody: '{"name": ' });
    expect(res.status).toBe(400);
    expect(errorOf(res.body).code).toBe('INVALID_JSON');
  });

  it('refuses a body over the size limit with 413 PAYLOAD_TOO_LARGE', async () => {
    // Raw node:http: the worker answers from Content-Length before reading the body, and fetch would
    // report the early close instead of the answer.
    const body = JSON.stringify({ name: 'x'.repeat(rig.slim.config.BODY_LIMIT_BYTES + 1) });
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${rig.slim.url}/api/v11/external/feeds`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-cluster-token': CLUSTER_SECRET },
      });
      req.on('response', (res) => {
        let data = '';
        res.on('data', (chunk: Buffer) => (data += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: data }));
      });
      req.on('error', (e) => (e.message.includes('EPIPE') || e.message.includes('ECONNRESET') ? undefined : reject(e)));
      req.end(body);
    });
    expect(status).toBe(413);
    expect(errorOf(JSON.parse(text)).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND in the error format', async () => {
    const res = await rig.slim.call('GET', '/api/v11/external/nothing-here', { as: PROVIDER_A });
    expect(res.status).toBe(404);
    expect(errorOf(res.body).code).toBe('ROUTE_NOT_FOUND');
  });

  it('rejects quality weights that are all zero with 400 instead of failing every evaluation later', async () => {
    const zero = { completeness: 0, format: 0, range: 0, consistency: 0, source_verification: 0, freshness: 0, uniqueness: 0, referential_integrity: 0 };
    const res = await rig.slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: pushFeed({ quality: { weights: zero } }) });
    expect(res.status).toBe(400);
  });

  it('registers a push feed without a secret of its own: the device it names holds the key', async () => {
    const { feed, device } = await registerPushFeed(rig.slim);
    expect(feed).not.toHaveProperty('pushSecret');
    expect(feed.ownerKeyId).toBe(PROVIDER_A.id);
    expect(feed.status).toBe('active');
    expect(feed.source).toMatchObject({ adapter: 'push', params: { deviceId: device.id } });
    const read = await rig.slim.call('GET', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A });
    expect(JSON.stringify(read.body)).not.toContain(device.secret);
  });

  it("hides another provider's feed: 404 on read, change and push, and absent from their list", async () => {
    const mine = await register(pushFeed({ assetId: 'container-a' }), PROVIDER_A);
    const asB = { as: PROVIDER_B };
    const read = await rig.slim.call('GET', `/api/v11/external/feeds/${mine.id}`, asB);
    expect(read.status).toBe(404);
    expect(errorOf(read.body).code).toBe('FEED_NOT_FOUND');
    expect((await rig.slim.call('PATCH', `/api/v11/external/feeds/${mine.id}`, { ...asB, body: { status: 'paused' } })).status).toBe(404);
    const push = await rig.slim.call('POST', `/api/v11/external/feeds/${mine.id}/observations`, {
      ...asB,
      body: { readings: [{ observedAt: new Date().toISOString(), value: 4 }] },
    });
    expect(push.status).toBe(404);
    const listB = Feed.array().parse(((await rig.slim.call('GET', '/api/v11/external/feeds', asB)).body as { feeds: unknown }).feeds);
    expect(listB.map((f) => f.id)).not.toContain(mine.id);
    // The same answer as for an id that does not exist at all.
    const missing = await rig.slim.call('GET', '/api/v11/external/feeds/feed_doesnotexist', asB);
    expect(missing.status).toBe(404);
    expect(errorOf(missing.body).code).toBe('FEED_NOT_FOUND');
  });

  it('lets an admin see every feed', async () => {
    const theirs = await register(pushFeed({ assetId: 'container-b' }), PROVIDER_B);
    const all = (await rig.slim.call('GET', '/api/v11/external/feeds', { as: ADMIN })).body as { feeds: Feed[] };
    expect(all.feeds.map((f) => f.id)).toContain(theirs.id);
  });

  it('accepts a signed in-range push reading and returns its quality report', async () => {
    const { feed, device } = await registerPushFeed(rig.slim, { assetId: 'container-signed' });
    const reading = signedReading(device, feed.id, new Date().toISOString(), 4.25);
    const res = await rig.slim.call('POST', `/api/v11/external/feeds/${feed.id}/observations`, {
      as: PROVIDER_A,
      body: { readings: [{ ...reading, latitude: 53.5, longitude: 9.9 }] },
    });
    expect(res.status).toBe(200);
    const [result] = (res.body as { results: { observationId: string; decision: string; score: number; quality: unknown; reviewId?: string }[] }).results;
    expect(result?.decision).toBe('accepted');
    expect(result?.reviewId).toBeUndefined();
    const quality = QualityReport.parse(result?.quality);
    expect(quality.checks.find((c) => c.check === 'source_verification')?.score).toBe(1);
  });

  it('evaluates the readings of one request in order: a repeated reading is caught by the uniqueness check', async () => {
    const { feed, device } = await registerPushFeed(rig.slim, { assetId: 'container-dup' });
    const reading = signedReading(device, feed.id, new Date().toISOString(), 3.5);
    const res = await rig.slim.call('POST', `/api/v11/external/feeds/${feed.id}/observations`, { as: PROVIDER_A, body: { readings: [reading, reading] } });
    expect(res.status).toBe(200);
    const results = (res.body as { results: { quality: unknown }[] }).results.map((r) => QualityReport.parse(r.quality));
    const uniqueness = results.map((q) => q.checks.find((c) => c.check === 'uniqueness')?.score);
    expect(uniqueness[0]).toBe(1);
    expect(uniqueness[1]).toBeLessThan(1);
  });

  it('rejects an invalid push body with 400 naming the reading field', async () => {
    const feed = await register(pushFeed({ assetId: 'container-400' }));
    const res = await rig.slim.call('POST', `/api/v11/external/feeds/${feed.id}/observations`, {
      as: PROVIDER_A,
      body: { readings: [{ observedAt: new Date().toISOString(), value: 'warm' }] },
    });
    expect(res.status).toBe(400);
    expect(detailPaths(res.body)).toContain('readings.0.value');
  });

  it('refuses readings for a pull feed with 409 FEED_NOT_PUSH', async () => {
    const feed = await register(weatherFeed(source.url, { assetId: 'weather-not-push' }));
    const res = await rig.slim.call('POST', `/api/v11/external/feeds/${feed.id}/observations`, {
      as: PROVIDER_A,
      body: { readings: [{ observedAt: new Date().toISOString(), value: 4 }] },
    });
    expect(res.status).toBe(409);
    expect(errorOf(res.body).code).toBe('FEED_NOT_PUSH');
  });

  it('refuses readings for a paused push feed with 409 FEED_PAUSED, and takes them again after resume', async () => {
    const feed = await register(pushFeed({ assetId: 'container-paused' }));
    const paused = await rig.slim.call('PATCH', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A, body: { status: 'paused' } });
    expect(paused.status).toBe(200);
    expect(Feed.parse(paused.body).status).toBe('paused');
    const body = { readings: [{ observedAt: new Date().toISOString(), value: 4 }] };
    const refused = await rig.slim.call('POST', `/api/v11/external/feeds/${feed.id}/observations`, { as: PROVIDER_A, body });
    expect(refused.status).toBe(409);
    expect(errorOf(refused.body).code).toBe('FEED_PAUSED');
    await rig.slim.call('PATCH', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A, body: { status: 'active' } });
    expect((await rig.slim.call('POST', `/api/v11/external/feeds/${feed.id}/observations`, { as: PROVIDER_A, body })).status).toBe(200);
  });

  it('rejects an empty patch with 400', async () => {
    const feed = await register(pushFeed({ assetId: 'container-patch' }));
    const res = await rig.slim.call('PATCH', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A, body: {} });
    expect(res.status).toBe(400);
    const interval = await rig.slim.call('PATCH', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A, body: { schedule: { intervalMs: 5 } } });
    expect(interval.status).toBe(400);
    expect(detailPaths(interval.body)).toContain('schedule.intervalMs');
  });

  it('runs a dry run of a pull feed and publishes, records and queues nothing', async () => {
    const feed = await register(weatherFeed(source.url, { assetId: 'weather-dry' }));
    // Its first scheduled fetch recorded and delivered, then paused, so the scheduler stays out of the picture.
    await eventually(async () => {
      const f = Feed.parse((await rig.slim.call('GET', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A })).body);
      return f.lastObservation !== null ? f : undefined;
    });
    await rig.slim.call('PATCH', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A, body: { status: 'paused' } });
    const before = Feed.parse((await rig.slim.call('GET', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A })).body);
    const healthBefore = await eventually(async () => {
      const channel = NodeHealth.parse((await rig.slim.call('GET', '/api/v11/health')).body).details?.['channel'] as { pending: number };
      return channel.pending === 0 ? channel : undefined;
    });
    const deliveredBefore = validator.received.length;

    source.advanceMinutes(1);
    const res = await rig.slim.call('POST', `/api/v11/external/feeds/${feed.id}/test`, { as: PROVIDER_A });
    expect(res.status).toBe(200);
    const dry = res.body as { observation: unknown; quality: unknown };
    expect(Observation.parse(dry.observation).feedId).toBe(feed.id);
    expect(QualityReport.parse(dry.quality).checks).toHaveLength(9);

    const after = Feed.parse((await rig.slim.call('GET', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A })).body);
    expect(after.stats).toEqual(before.stats);
    expect(after.lastObservation).toEqual(before.lastObservation);
    expect(NodeHealth.parse((await rig.slim.call('GET', '/api/v11/health')).body).details?.['channel']).toEqual(healthBefore);
    expect(validator.received.length).toBe(deliveredBefore);
    const reviews = (await rig.slim.call('GET', `/api/v11/reviews?feedId=${feed.id}`, { as: ADMIN })).body as { reviews: unknown[] };
    expect(reviews.reviews).toHaveLength(0);
  });

  it('refuses a dry run of a push feed with 409', async () => {
    const feed = await register(pushFeed({ assetId: 'container-dry' }));
    const res = await rig.slim.call('POST', `/api/v11/external/feeds/${feed.id}/test`, { as: PROVIDER_A });
    expect(res.status).toBe(409);
  });
});
