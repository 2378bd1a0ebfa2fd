import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Feed, FeedCreated, NodeHealth } from '../../../schemas/index.ts';
import { FakeValidator } from './support/fake-validator.ts';
import { OpenMeteoSource } from './support/open-meteo-source.ts';
import { CLUSTER_SECRET, PROVIDER_A, SlimNode, eventually, weatherFeed } from './support/slim-node.ts';

describe('slim worker: from source to validator', () => {
  const source = new OpenMeteoSource();
  const validator = new FakeValidator(CLUSTER_SECRET);
  let slim: SlimNode;

  beforeAll(async () => {
    await source.start();
    await validator.start();
    slim = await SlimNode.start({ VALIDATOR_URLS: validator.url });
  });
  afterAll(async () => {
    await slim?.close();
    await validator.stop();
    await source.stop();
  });

  const channel = async () => {
    const res = await slim.call('GET', '/api/v11/health');
    const health = NodeHealth.parse(res.body);
    return health.details?.['channel'] as { pending: number; delivered: number; lastError: string | null };
  };

  it('fetches a registered pull feed, accepts the observation and delivers it to the validator, marked delivered', async () => {
    const created = await slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: weatherFeed(source.url) });
    expect(created.status).toBe(201);
    const feed = FeedCreated.parse(created.body);

    const [event] = await eventually(() => {
      const events = validator.eventsOfFeed(feed.id);
      return events.length > 0 ? events : undefined;
    });
    expect(event?.channel).toBe('weather');
    expect(event?.quality.decision).toBe('accepted');
    expect(event?.observation.value).toBe(source.temperatureC);
    expect(event?.approval).toBeUndefined();

    const status = await eventually(async () => {
      const c = await channel();
      return c.pending === 0 && c.delivered >= 1 ? c : undefined;
    });
    expect(status.lastError).toBeNull();

    const after = Feed.parse((await slim.call('GET', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A })).body);
    expect(after.stats.accepted).toBe(1);
    expect(after.lastDecision).toBe('accepted');
    expect(after.lastObservation?.observedAt).toBe(event?.observation.observedAt);
  });

  it('keeps events pending while the validator is down and delivers them once it is back', async () => {
    await validator.stop();
    const created = await slim.call('POST', '/api/v11/external/feeds', {
      as: PROVIDER_A,
      body: weatherFeed(source.url, { assetId: 'weather-hamburg', name: 'Hamburg' }),
    });
    const feed = FeedCreated.parse(created.body);

    const stuck = await eventually(async () => {
      const c = await channel();
      return c.pending >= 1 && c.lastError !== null ? c : undefined;
    });
    expect(stuck.pending).toBeGreaterThanOrEqual(1);
    const degraded = NodeHealth.parse((await slim.call('GET', '/api/v11/health')).body);
    expect(degraded.status).toBe('degraded');
    expect(validator.eventsOfFeed(feed.id)).toHaveLength(0);

    await validator.start();
    await eventually(() => (validator.eventsOfFeed(feed.id).length === 1 ? true : undefined));
    const recovered = await eventually(async () => {
      const c = await channel();
      return c.pending === 0 ? c : undefined;
    });
    expect(recovered.lastError).toBeNull();
    expect(NodeHealth.parse((await slim.call('GET', '/api/v11/health')).body).status).toBe('up');
  });
});
