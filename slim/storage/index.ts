import type { Database } from '../../db/client.ts';
import { DeviceRepository } from './devices.ts';
import { FeedRepository } from './feeds.ts';
import { NonceRepository } from './nonces.ts';
import { ObservationRepository } from './observations.ts';
import { OutboxRepository } from './outbox.ts';
import { ReviewRepository } from './reviews.ts';

export { DeviceRepository, type DeviceRecord, type NewDevice } from './devices.ts';
export { FeedRepository, type NewFeed, type FeedChanges } from './feeds.ts';
export { NonceRepository, NONCE_PRUNE_BATCH_MAX } from './nonces.ts';
export { ObservationRepository, HISTORY_VALUES_MAX, HISTORY_HASHES_MAX, type FeedHistory, type EvaluationToRecord, type RecordedEvaluation } from './observations.ts';
export { OutboxRepository, type PendingEvent } from './outbox.ts';
export { ReviewRepository, QUALITY_CHAIN_ACTOR, type ReviewDecision } from './reviews.ts';
export { feedView, scheduleStateOf, type FeedRecord } from './records.ts';

/** The slim worker's tables behind one face; the same code runs on PGlite and Postgres. */
export interface SlimStorage {
  feeds: FeedRepository;
  observations: ObservationRepository;
  reviews: ReviewRepository;
  outbox: OutboxRepository;
  devices: DeviceRepository;
  nonces: NonceRepository;
}

export function createSlimStorage(db: Database): SlimStorage {
  return {
    feeds: new FeedRepository(db),
    observations: new ObservationRepository(db),
    reviews: new ReviewRepository(db),
    outbox: new OutboxRepository(db),
    devices: new DeviceRepository(db),
    nonces: new NonceRepository(db),
  };
}
