import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../../runtime/errors.ts';

const tooLarge = (maxBytes: number) => new AppError('PAYLOAD_TOO_LARGE', `the body exceeds the limit of ${maxBytes} bytes`, { details: { limitBytes: maxBytes } });

/**
 * Limits request bodies without holding them in memory.
 *
 * A body with Content-Length goes through hono's body-limit, which rejects an oversized one from
 * the header alone (Node's parser guarantees the body is no longer than it says). hono's
 * middleware buffers a chunked body to count it, which would break streaming to upstreams, so a
 * chunked body is instead counted as it streams and fails with PAYLOAD_TOO_LARGE at the first byte
 * past the limit, wherever it is being read (JSON parsing here, or the proxy's upload).
 */
export function limitRequestBody(maxBytes: number): MiddlewareHandler {
  const byContentLength = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge(maxBytes);
    },
  });
  return async (c, next) => {
    const raw = c.req.raw;
    const chunked = raw.headers.has('transfer-encoding');
    // No length and no transfer coding: no body (RFC 9112 §6.3). Not asking for `raw.body` spares the
    // Node adapter building a web Request and stream for every bodiless request.
    if (!chunked && !raw.headers.has('content-length')) return next();
    if (raw.method === 'GET' || raw.method === 'HEAD' || raw.body === null) return next();
    if (!chunked) return byContentLength(c, next);
    const counted = raw.body.pipeThrough(byteLimit(maxBytes));
    c.req.raw = new Request(raw, { body: counted, duplex: 'half' });
    await next();
  };
}

function byteLimit(maxBytes: number): TransformStream<Uint8Array, Uint8Array> {
  let seenBytes = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seenBytes += chunk.byteLength;
      if (seenBytes > maxBytes) controller.error(tooLarge(maxBytes));
      else controller.enqueue(chunk);
    },
  });
}
