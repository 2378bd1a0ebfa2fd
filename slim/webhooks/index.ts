import { describeIssues } from '../../runtime/http.ts';
import { AppError } from '../../runtime/errors.ts';
import type { FeedSource, QualityReport } from '../../schemas/index.ts';
import {
  EasyPostEvent,
  EasyPostTracker,
  easyPostSignatureValid,
  observationOfTracker,
  TRACKER_EVENT_DESCRIPTIONS,
} from '../../oracles/easypost.ts';
import type { Clock } from '../clock.ts';
import type { Evaluator } from '../evaluate.ts';
import type { FeedRecord, SlimStorage } from '../storage/index.ts';
import type { WebhookSecrets } from './secrets.ts';

export { WebhookSecrets, newWebhookSecret } from './secrets.ts';

/** What EasyPost gets back: the event's fate. 200 when it was evaluated, 202 when it was taken but carried nothing to attest. */
export type WebhookReceipt =
  | {
      status: 200;
      body: { eventId: string; observationId: string; decision: QualityReport['decision']; score: number; quality: QualityReport; reviewId?: string };
    }
  | { status: 202; body: { eventId: string; ignored: string } };

type EasyPostFeed = FeedRecord & { source: Extract<FeedSource, { adapter: 'easypost-tracker' }> };
const isEasyPostFeed = (feed: FeedRecord): feed is EasyPostFeed => feed.source.adapter === 'easypost-tracker';

/**
 * EasyPost tracker events for one feed. The signature is checked over the exact bytes received
 * before anything is parsed or recorded; then the event must be about the feed's tracking code.
 * `tracker.created` and `tracker.updated` carry the tracker as it stands and are evaluated; other
 * descriptions (EasyPost sends shipment, batch, refund events to the same URL) are acknowledged
 * with 202 and ignored, so EasyPost does not retry them or disable the webhook. Replays of one
 * event are not refused here: their content is the same, and the uniqueness check scores them 0.
 */
export class EasyPostWebhooks {
  constructor(
    private readonly deps: {
      storage: SlimStorage;
      evaluator: Evaluator;
      secrets: WebhookSecrets;
      clock: Clock;
    },
  ) {}

  async receive(feedId: string, rawBody: Uint8Array, signature: string | undefined): Promise<WebhookReceipt> {
    const feed = await this.deps.storage.feeds.get(feedId);
    if (feed === null || !isEasyPostFeed(feed)) throw new AppError('FEED_NOT_FOUND', `no EasyPost tracker feed ${feedId}`);
    const secret = await this.deps.secrets.get(feed.id);
    if (signature === undefined) throw new AppError('UNAUTHENTICATED', 'X-Hmac-Signature is missing: EasyPost signs every event with the webhook secret');
    if (secret === null || !easyPostSignatureValid(secret, rawBody, signature)) {
      throw new AppError('UNAUTHENTICATED', `X-Hmac-Signature does not match feed ${feed.id}'s webhook secret`);
    }

    const event = parseBody(rawBody);
    if (!TRACKER_EVENT_DESCRIPTIONS.has(event.description)) {
      return { status: 202, body: { eventId: event.id, ignored: `${event.description} events carry no tracker; only tracker.created and tracker.updated are attested` } };
    }
    const tracker = EasyPostTracker.safeParse(event.result);
    if (!tracker.success) {
      const { message, details } = describeIssues(tracker.error.issues.map((i) => ({ ...i, path: ['result', ...i.path] })));
      throw new AppError('INVALID_INPUT', message, { details });
    }
    assertSameShipment(feed, tracker.data);
    if (feed.status === 'paused') throw new AppError('FEED_PAUSED', `feed ${feed.id} is paused; resume it to take EasyPost events`);

    const observation = observationOfTracker(feed, tracker.data, this.deps.clock.now());
    if (observation === null) {
      return { status: 202, body: { eventId: event.id, ignored: `tracker ${tracker.data.id} has no tracking details yet: nothing dated to attest` } };
    }
    const evaluated = await this.deps.evaluator.evaluate(feed, observation);
    const body: Extract<WebhookReceipt, { status: 200 }>['body'] = {
      eventId: event.id,
      observationId: evaluated.observationId,
      decision: evaluated.decision,
      score: evaluated.score,
      quality: evaluated.report,
    };
    if (evaluated.reviewId !== null) body.reviewId = evaluated.reviewId;
    return { status: 200, body };
  }
}

function parseBody(rawBody: Uint8Array): EasyPostEvent {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
  } catch (cause) {
    throw new AppError('INVALID_JSON', 'the body is not UTF-8 JSON', { cause });
  }
  const event = EasyPostEvent.safeParse(json);
  if (!event.success) {
    const { message, details } = describeIssues(event.error.issues);
    throw new AppError('INVALID_INPUT', message, { details });
  }
  return event.data;
}

/** The event must be about the feed's shipment: its tracking code and, when the feed names one, its carrier. */
function assertSameShipment(feed: EasyPostFeed, tracker: EasyPostTracker): void {
  const { trackingCode, carrier } = feed.source.params;
  if (tracker.tracking_code.toUpperCase() !== trackingCode.toUpperCase()) {
    throw new AppError('INVALID_INPUT', `result.tracking_code: event is for tracking code ${tracker.tracking_code}, feed ${feed.id} follows ${trackingCode}`, {
      details: [{ path: 'result.tracking_code', message: `${tracker.tracking_code} is not the feed's tracking code ${trackingCode}` }],
    });
  }
  if (carrier !== undefined && tracker.carrier && tracker.carrier.toUpperCase() !== carrier.toUpperCase()) {
    throw new AppError('INVALID_INPUT', `result.carrier: event is for carrier ${tracker.carrier}, feed ${feed.id} follows ${carrier}`, {
      details: [{ path: 'result.carrier', message: `${tracker.carrier} is not the feed's carrier ${carrier}` }],
    });
  }
}
