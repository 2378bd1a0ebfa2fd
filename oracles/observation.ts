import type { z } from 'zod';
import type { IotObservation } from '../schemas/index.ts';
import { AppError } from '../runtime/errors.ts';

/** What an adapter needs of the feed it fetches for. */
export interface AdapterFeed {
  id: string;
  assetId: string;
}

export interface FetchOptions {
  timeoutMs: number;
  /** Clock for `receivedAt`; a Date or a function read when the answer arrives. */
  now?: Date | (() => Date);
}

export const receivedAtOf = (now: FetchOptions['now']): Date => (now === undefined ? new Date() : typeof now === 'function' ? now() : now);

/**
 * Postcondition of every adapter: what it produces is a valid observation of its category. A
 * mapping that breaks the schema (a string longer than allowed) is the source's answer being
 * unusable, so it is SOURCE_FAILED naming the field, not a crash.
 */
export function checkedObservation<S extends z.ZodType>(schema: S, observation: z.infer<S>, sourceName: string): z.infer<S> {
  const checked = schema.safeParse(observation);
  if (!checked.success) {
    const first = checked.error.issues[0];
    throw new AppError('SOURCE_FAILED', `${sourceName} answer maps to an invalid observation: ${first?.path.join('.')}: ${first?.message}`, {
      cause: checked.error,
    });
  }
  return checked.data;
}

/**
 * One device reading as a normalized IoT observation, whichever way it arrived (a signed push, an
 * MQTT message): the feed's device, metric and unit, the source's own time, and how it came.
 */
export function deviceReadingObservation(
  feed: AdapterFeed & { deviceId: string; metric: string; unit: string },
  reading: { observedAt: string; value: number; latitude?: number | undefined; longitude?: number | undefined },
  source: IotObservation['source'],
  receivedAt: Date,
): IotObservation {
  const data: IotObservation['data'] = { deviceId: feed.deviceId, metric: feed.metric, reading: reading.value };
  if (reading.latitude !== undefined) data.latitude = reading.latitude;
  if (reading.longitude !== undefined) data.longitude = reading.longitude;
  return {
    category: 'iot',
    feedId: feed.id,
    assetId: feed.assetId,
    observedAt: reading.observedAt,
    receivedAt: receivedAt.toISOString(),
    value: reading.value,
    unit: feed.unit,
    source,
    data,
  };
}
