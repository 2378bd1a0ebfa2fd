import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, FeedCreated, ReviewItem } from '../../../schemas/index.ts';
import { eventually } from '../../support/network.ts';
import { ADMIN, PROVIDER_A, REVIEWER, registerPushFeed } from './support/slim-node.ts';
import { useSlimRig } from './support/slim-rig.ts';

interface PushResult {
  observationId: string;
  decision: string;
  score: number;
  reviewId?: string;
}

describe('slim worker: review queue', () => {
  const rig = useSlimRig();
  const { validator } = rig;
  let feed: FeedCreated;

  beforeAll(async () => {
    feed = (await registerPushFeed(rig.slim)).feed;
  });

  /** A reading far outside the container's range (-30..10 °C): the chain will not accept it. */
  const pushOutOfRange = async (value = 42.5): Promise<PushResult> => {
    const res = await rig.slim.call('POST', `/api/v11/external/feeds/${feed.id}/observations`, {
      as: PROVIDER_A,
      body: { readings: [{ observedAt: new Date().toISOString(), value }] },
    });
    expect(res.status).toBe(200);
    const result = (res.body as { results: PushResult[] }).results[0];
    if (result === undefined) throw new Error('no result');
    return result;
  };

  it('sends an out-of-range push reading to the review queue as pending, with nothing published', async () => {
    const result = await pushOutOfRange();
    expect(result.decision).not.toBe('accepted');
    expect(result.reviewId).toBeDefined();

    const queue = await rig.slim.call('GET', '/api/v11/reviews?status=pending', { as: REVIEWER });
    expect(queue.status).toBe(200);
    const items = ReviewItem.array().parse((queue.body as { reviews: unknown }).reviews);
    const item = items.find((r) => r.id === result.reviewId);
    expect(item?.status).toBe('pending');
    expect(item?.feedId).toBe(feed.id);
    expect(item?.observation.value).toBe(42.5);
    expect(item?.quality.checks.find((c) => c.check === 'range')?.score).toBeLessThan(1);
    expect(item?.audit.map((a) => a.action)).toEqual(['queued']);
    expect(validator.eventsOfFeed(feed.id)).toHaveLength(0);
  });

  it('publishes an approved item with its approval and records who approved it and why', async () => {
    const result = await pushOutOfRange(38);
    const reason = 'door opened during loading; confirmed by the driver';
    const res = await rig.slim.call('POST', `/api/v11/reviews/${result.reviewId}/decision`, { as: REVIEWER, body: { decision: 'approve', reason } });
    expect(res.status).toBe(200);
    const item = ReviewItem.parse(res.body);
    expect(item.status).toBe('approved');
    expect(item.decidedAt).not.toBeNull();
    expect(item.audit.map((a) => [a.action, a.actor])).toEqual([
      ['queued', 'quality-chain'],
      ['approved', REVIEWER.id],
    ]);
    expect(item.audit[1]?.reason).toBe(reason);

    const [event] = await eventually(async () => {
      const events = validator.eventsOfFeed(feed.id);
      return events.length > 0 ? events : undefined;
    });
    expect(event?.id).toBe(result.observationId);
    expect(event?.observation.value).toBe(38);
    expect(event?.approval).toEqual({ reviewId: result.reviewId, reviewer: REVIEWER.id, reason, decidedAt: item.decidedAt });

    const read = ReviewItem.parse((await rig.slim.call('GET', `/api/v11/reviews/${result.reviewId}`, { as: REVIEWER })).body);
    expect(read.audit).toEqual(item.audit);
  });

  it('answers 409 REVIEW_ALREADY_DECIDED to a second decision and keeps the first', async () => {
    const result = await pushOutOfRange(55);
    const first = await rig.slim.call('POST', `/api/v11/reviews/${result.reviewId}/decision`, {
      as: REVIEWER,
      body: { decision: 'reject', reason: 'sensor fault, replaced' },
    });
    expect(first.status).toBe(200);
    const second = await rig.slim.call('POST', `/api/v11/reviews/${result.reviewId}/decision`, {
      as: ADMIN,
      body: { decision: 'approve', reason: 'changed my mind' },
    });
    expect(second.status).toBe(409);
    expect(ErrorBody.parse(second.body).error.code).toBe('REVIEW_ALREADY_DECIDED');
    const item = ReviewItem.parse((await rig.slim.call('GET', `/api/v11/reviews/${result.reviewId}`, { as: REVIEWER })).body);
    expect(item.status).toBe('rejected');
    expect(item.audit.map((a) => a.action)).toEqual(['queued', 'rejected']);
    expect(validator.eventsOfFeed(feed.id).map((e) => e.id)).not.toContain(result.observationId);
  });

  it('lists the queue oldest first, filtered by status and feed', async () => {
    const a = await pushOutOfRange(60);
    const b = await pushOutOfRange(61);
    const res = await rig.slim.call('GET', `/api/v11/reviews?status=pending&feedId=${feed.id}&limit=500`, { as: REVIEWER });
    const ids = ReviewItem.array()
      .parse((res.body as { reviews: unknown }).reviews)
      .map((r) => r.id);
    expect(ids.indexOf(a.reviewId ?? '')).toBeLessThan(ids.indexOf(b.reviewId ?? ''));
    const approved = ReviewItem.array().parse(((await rig.slim.call('GET', '/api/v11/reviews?status=approved', { as: REVIEWER })).body as { reviews: unknown }).reviews);
    expect(approved.every((r) => r.status === 'approved')).toBe(true);
  });

  it('answers 404 REVIEW_NOT_FOUND for an unknown item, to reads and decisions alike', async () => {
    const read = await rig.slim.call('GET', '/api/v11/reviews/rev_nope', { as: REVIEWER });
    expect(read.status).toBe(404);
    expect(ErrorBody.parse(read.body).error.code).toBe('REVIEW_NOT_FOUND');
    const decide = await rig.slim.call('POST', '/api/v11/reviews/rev_nope/decision', { as: REVIEWER, body: { decision: 'approve', reason: 'looks fine' } });
    expect(decide.status).toBe(404);
  });

  it('rejects a decision without a real reason or with an unknown verdict with 400 naming the field', async () => {
    const result = await pushOutOfRange(70);
    const short = await rig.slim.call('POST', `/api/v11/reviews/${result.reviewId}/decision`, { as: REVIEWER, body: { decision: 'approve', reason: 'ok' } });
    expect(short.status).toBe(400);
    expect((ErrorBody.parse(short.body).error.details as { path: string }[]).map((d) => d.path)).toContain('reason');
    const verdict = await rig.slim.call('POST', `/api/v11/reviews/${result.reviewId}/decision`, { as: REVIEWER, body: { decision: 'maybe', reason: 'not sure yet' } });
    expect(verdict.status).toBe(400);
    expect((ErrorBody.parse(verdict.body).error.details as { path: string }[]).map((d) => d.path)).toContain('decision');
    const query = await rig.slim.call('GET', '/api/v11/reviews?status=unknown', { as: REVIEWER });
    expect(query.status).toBe(400);
  });
});
