/**
 * Time and timers as the slim worker's loops see them. Injected so the scheduler and the
 * channel publisher can be driven by a manual clock in tests instead of waiting.
 */
import { outsideRequest } from '../runtime/request-context.ts';

export interface Clock {
  now(): Date;
  /** Calls `callback` once after `delayMs`; the returned function cancels it (a no-op once fired). */
  setTimer(delayMs: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer(delayMs, callback) {
    // A timer armed while handling a request (a feed registered or resumed) fires as the worker's own work, not that request's.
    const timer = setTimeout(() => outsideRequest(callback), Math.max(0, delayMs));
    // Timers never keep the process alive on their own: the HTTP server does, and close() stops both.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** Resolves after `delayMs` on the given clock, or at once when `signal` aborts. */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = () => {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const cancel = clock.setTimer(delayMs, done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
