import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../../runtime/errors.ts';
import type { GatewayEnv } from '../env.ts';
import type { StreamSlots } from './slots.ts';

export interface StreamLimitOptions {
  /** What a refused client is told to wait: slots free up only as other streams end. */
  retryAfterS: number;
  /** Who holds a stream on a public streaming route (none today): the client's address. */
  clientAddress: (c: Context<GatewayEnv>) => string | undefined;
}

/**
 * Admission for streaming routes (the policy's `streaming` rules): each response holds a slot
 * from the moment it is admitted until its body ends, fails or is cancelled (the client went
 * away), or the client aborts before it began. Over the key's share: 429 RATE_LIMITED; every
 * slot taken: 503 UNAVAILABLE; both with Retry-After. Other routes pass untouched.
 */
export function limitStreams(slots: StreamSlots, options: StreamLimitOptions): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    if (c.var.route.rule.streaming !== true) return next();
    const principal = c.var.principal;
    const holder = principal === null ? `address:${options.clientAddress(c) ?? 'unknown'}` : `key:${principal.id}`;
    const verdict = slots.acquire(holder);
    if (verdict.kind === 'holder-full') {
      throw new AppError('RATE_LIMITED', `this key has ${slots.perHolderMax} event streams open already; close one before opening another`, {
        retryAfterS: options.retryAfterS,
        details: { streamsPerKeyMax: slots.perHolderMax },
      });
    }
    if (verdict.kind === 'full') {
      throw new AppError('UNAVAILABLE', 'the gateway has as many event streams open as it allows; try again later', {
        retryAfterS: options.retryAfterS,
      });
    }
    const { release } = verdict;
    const signal = c.req.raw.signal;
    signal.addEventListener('abort', release, { once: true });
    const done = () => {
      signal.removeEventListener('abort', release);
      release();
    };
    try {
      await next();
    } catch (error) {
      done();
      throw error;
    }
    const body = c.res.body;
    if (body === null) {
      done();
      return;
    }
    c.res = new Response(releasingWhenDone(body, done), c.res);
  };
}

/** The same bytes, as they come (no buffering), with `done` called once the body ends, fails or is cancelled. */
function releasingWhenDone(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await reader.read();
          if (next.done) {
            done();
            controller.close();
          } else {
            controller.enqueue(next.value);
          }
        } catch (error) {
          done();
          controller.error(error);
        }
      },
      async cancel(reason) {
        done();
        await reader.cancel(reason);
      },
    },
    // Nothing read ahead: each event goes to the client as soon as the upstream sends it.
    { highWaterMark: 0 },
  );
}
