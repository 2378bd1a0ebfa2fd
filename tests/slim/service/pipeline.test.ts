import { describe, expect, it } from 'vitest';
import { Feed, FeedCreated, NodeHealth } from '../../../schemas/index.ts';
import { eventually } from '../../support/network.ts';
import { PROVIDER_A, weatherFeed } from './support/slim-node.ts';
import { useSlimRig } from './support/slim-rig.ts';

// The slim worker's side of delivery, against a validator stand-in that a test can take down.
// The real path from source through slim worker and validator to the ledger is tested in tests/e2e.
describe('slim worker delivering to a validator stand-in', () => {
  const rig = useSlimRig();
  const { source, validator } = rig;

  const channel = async () => {
    const res = await rig.slim.call('GET', '/api/v11/health');
    const health = NodeHealth.parse(res.body);
    return health.details?.['channel'] as { pending: number; delivered: number; lastError: string | null };
  };

  it('fetches a registered pull feed, accepts the observation and marks it delivered once the validator stand-in commits it', async () => {
    const created = await rig.slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: weatherFeed(source.url) });
    expect(created.status).toBe(201);
    const feed = FeedCreated.parse(created.body);

    const [event] = await eventually(async () => {
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

    const after = Feed.parse((await rig.slim.call('GET', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A })).body);
    expect(after.stats.accepted).toBe(1);
    expect(after.lastDecision).toBe('accepted');
    expect(after.lastObservation?.observedAt).toBe(event?.observation.observedAt);
  });

  it('keeps events pending while the validator stand-in is down and delivers them once it is back', async () => {
    await validator.stop();
    const created = await rig.slim.call('POST', '/api/v11/external/feeds', {
      as: PROVIDER_A,
      body: weatherFeed(source.url, { assetId: 'weather-hamburg', name: 'Hamburg' }),
    });
    const feed = FeedCreated.parse(created.body);

    const stuck = await eventually(async () => {
      const c = await channel();
      return c.pending >= 1 && c.lastError !== null ? c : undefined;
    });
    expect(stuck.pending).toBeGreaterThanOrEqual(1);
    const degraded = NodeHealth.parse((await rig.slim.call('GET', '/api/v11/health')).body);
    expect(degraded.status).toBe('degraded');
    expect(validator.eventsOfFeed(feed.id)).toHaveLength(0);

    await validator.start();
    await eventually(async () => (validator.eventsOfFeed(feed.id).length === 1 ? true : undefined));
    const recovered = await eventually(async () => {
      const c = await channel();
      return c.pending === 0 ? c : undefined;
    });
    expect(recovered.lastError).toBeNull();
    expect(NodeHealth.parse((await rig.slim.call('GET', '/api/v11/health')).body).status).toBe('up');
  });
});
