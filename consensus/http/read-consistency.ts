import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../runtime/errors.ts';
import type { Consensus } from '../node/consensus.ts';

export const CONSISTENCY_HEADER = 'x-consistency';
export const APPLIED_HEIGHT_HEADER = 'x-applied-height';

/**
 * Reads of committed data are linearizable by default: the node first confirms with the leader
 * (ReadIndex) that it has applied everything committed before the request. `?consistency=stale`
 * skips that round trip and answers from what this node has applied, saying how far that is.
 */
export function readConsistency(consensus: Consensus): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const asked = c.req.query('consistency') ?? 'linearizable';
    if (asked !== 'linearizable' && asked !== 'stale') {
      throw new AppError('INVALID_INPUT', `consistency must be linearizable or stale, not "${asked}"`);
    }
    if (asked === 'linearizable') await consensus.readBarrier();
    // Set before the handler runs: an event stream's headers are gone once it starts.
    c.header(CONSISTENCY_HEADER, asked);
    c.header(APPLIED_HEIGHT_HEADER, String(consensus.status().height));
    await next();
  };
}
