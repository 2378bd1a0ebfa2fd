import type { z } from 'zod';
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
