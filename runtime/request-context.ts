/**
 * The request id of the work in progress, carried across roles: the gateway gives every request
 * an id (X-Request-Id) and forwards it; a node runs each request's handling in a context holding
 * it, so its log lines carry it (see logger.ts) and its own calls to other nodes pass it on (see
 * clusterHeaders), however deep in the call the line is written or the call is made.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from './logger.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Client-supplied request ids longer than this are replaced by a generated one. */
export const REQUEST_ID_LENGTH_MAX_CHARS = 128;

/** Letters, digits, `_`, `-` and `=`: an id that is safe to log, echo and forward as it is. */
const REQUEST_ID_PATTERN = /^[\w\-=]+$/;

/** The claimed id when it is a usable one, else a fresh UUID. */
export function acceptRequestId(claimed: string | undefined): string {
  if (claimed === undefined || claimed.length === 0 || claimed.length > REQUEST_ID_LENGTH_MAX_CHARS || !REQUEST_ID_PATTERN.test(claimed)) {
    return crypto.randomUUID();
  }
  return claimed;
}

const context = new AsyncLocalStorage<{ requestId: string }>();

/** The id of the request being handled, if any. */
export const currentRequestId = (): string | undefined => context.getStore()?.requestId;

/** Runs `fn` as no request's work: for timers armed during a request that fire as background work. */
export const outsideRequest = <T>(fn: () => T): T => context.exit(fn);

/** Runs `fn` as part of the request `requestId`. */
export const withRequestId = <T>(requestId: string, fn: () => T): T => context.run({ requestId }, fn);

/**
 * For a node's HTTP app: handles each request in the context of its X-Request-Id (a fresh one when
 * none came) and logs one line when it is answered. Requests that came with an id (a client's,
 * through the gateway, or another node's on its behalf) are logged at info; the cluster's own
 * housekeeping (health probes, background deliveries) at debug.
 */
export function requestContext(logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const claimed = c.req.header(REQUEST_ID_HEADER);
    const requestId = acceptRequestId(claimed);
    const startedMs = performance.now();
    await withRequestId(requestId, next);
    const level = claimed === undefined ? 'debug' : 'info';
    if (!logger.isLevelEnabled(level)) return;
    const durationMs = Math.round((performance.now() - startedMs) * 10) / 10;
    logger[level]({ requestId, method: c.req.method, path: c.req.path, status: c.res.status, durationMs }, 'request');
  };
}
