import { randomBytes } from 'node:crypto';

/** Identifiers the worker generates: a readable prefix and enough randomness never to collide (80+ bits). */
export const newFeedId = (): string => `feed_${randomBytes(10).toString('hex')}`;
export const newObservationId = (): string => `obs_${randomBytes(12).toString('hex')}`;
export const newReviewId = (): string => `rev_${randomBytes(12).toString('hex')}`;

/** An IoT device's HMAC key: 32 random bytes, hex. Shown to the provider once, at the device's registration. */
export const newDeviceSecret = (): string => randomBytes(32).toString('hex');
