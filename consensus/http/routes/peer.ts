import { IncomingMessage } from 'node:http';
import type { Context, Hono } from 'hono';
import { readBytesBounded } from '../../../runtime/bounded-body.ts';
import { AppError } from '../../../runtime/errors.ts';
import type { Logger } from '../../../runtime/logger.ts';
import type { NodeId } from '../../raft/index.ts';
import {
  checkPeerHeaders,
  PEER_CLOCK_SKEW_MS_MAX,
  PEER_FROM_HEADER,
  PEER_MESSAGES_PATH,
  PEER_SIGNATURE_HEADER,
  PEER_TIMESTAMP_HEADER,
  PEER_TO_HEADER,
  peerSignatureMatches,
  type PeerAuthFailure,
} from '../../transport/auth.ts';
import { decodeFrame } from '../../transport/codec.ts';
import { isPeerFrameError } from '../../transport/errors.ts';
import type { PeerMessageHandler } from '../../transport/types.ts';

export { PEER_MESSAGES_PATH };
/** A snapshot travels in one body, so the bound is generous; the sender's batches stay well below it. */
export const PEER_BODY_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

export interface PeerRouteDeps {
  selfId: NodeId;
  clusterSecret: string;
  /**
   * Whether `id` may send: the current members. Every role holds the cluster secret, so this is
   * what keeps a gateway or worker that has it from speaking for a node. Default: anyone signed.
   */
  isMember?: (id: NodeId) => boolean;
  /** Called synchronously with the decoded messages; the answer does not wait for their processing. */
  onMessages: PeerMessageHandler;
  bodyBytesMax?: number;
  clockSkewMsMax?: number;
  /** Wall clock in milliseconds, for the freshness check. */
  nowMs?: () => number;
  logger?: Logger;
}

/**
 * Mounts POST /internal/peer/messages on `app`. The app needs installErrorHandling (the JSON error
 * shape), and this route must be registered before any middleware that asks for the plain cluster
 * token or limits the body below bodyBytesMax (as /livez is in the validator app): the HMAC
 * headers are this route's authentication.
 */
export function peerRoutes(app: Hono, deps: PeerRouteDeps): void {
  const bodyBytesMax = deps.bodyBytesMax ?? PEER_BODY_BYTES_MAX_DEFAULT;
  const skewMsMax = deps.clockSkewMsMax ?? PEER_CLOCK_SKEW_MS_MAX;
  const nowMs = deps.nowMs ?? Date.now;

  app.post(PEER_MESSAGES_PATH, async (c) => {
    const headers = checkPeerHeaders(
      {
        from: c.req.header(PEER_FROM_HEADER),
        to: c.req.header(PEER_TO_HEADER),
        timestamp: c.req.header(PEER_TIMESTAMP_HEADER),
        signature: c.req.header(PEER_SIGNATURE_HEADER),
      },
      deps.selfId,
      nowMs(),
      skewMsMax,
    );
    if (!headers.ok) throw refused(headers.failure);
    if (deps.isMember !== undefined && !deps.isMember(headers.from)) {
      throw new AppError('FORBIDDEN', `${headers.from} is not a member of this cluster`, { details: { reason: 'PEER_NOT_MEMBER' } });
    }

    const body = await readBodyBounded(c, bodyBytesMax);
    if (!peerSignatureMatches(deps.clusterSecret, { from: headers.from, to: headers.to, timestampMs: headers.timestampMs, body }, headers.signature)) {
      throw refused('PEER_AUTH_BAD_SIGNATURE');
    }

    let messages;
    try {
      messages = decodeFrame(body);
    } catch (e) {
      if (!isPeerFrameError(e)) throw e;
      deps.logger?.warn({ peer: headers.from, code: e.code }, 'refused a malformed peer frame');
      throw new AppError('INVALID_INPUT', e.message, { details: { reason: e.code, issues: e.details } });
    }
    for (const m of messages) {
      // Authenticated as `from`, a member may still not speak for another, nor address someone else.
      if (m.from !== headers.from || m.to !== deps.selfId) {
        throw new AppError('INVALID_INPUT', `a ${m.type} message from ${m.from} to ${m.to} in a request from ${headers.from} to ${deps.selfId}`, {
          details: { reason: m.from !== headers.from ? 'PEER_MESSAGE_FORGED_FROM' : 'PEER_MESSAGE_WRONG_RECIPIENT' },
        });
      }
    }
    deps.onMessages(headers.from, messages);
    return c.body(null, 204);
  });
}

const AUTH_MESSAGES: Record<PeerAuthFailure, string> = {
  PEER_AUTH_MISSING: 'peer authentication headers are missing',
  PEER_AUTH_MALFORMED: 'peer authentication headers are malformed',
  PEER_AUTH_WRONG_RECIPIENT: 'the request is signed for another node',
  PEER_AUTH_STALE: 'the request timestamp is too far from this node\'s clock',
  PEER_AUTH_BAD_SIGNATURE: 'the request signature does not match',
};

function refused(failure: PeerAuthFailure): AppError {
  return new AppError('UNAUTHENTICATED', AUTH_MESSAGES[failure], { details: { reason: failure } });
}

/**
 * The whole body, at most `bytesMax`: a declared length over the bound is refused before reading;
 * without one (chunked), reading stops at the bound. Past it: 413. Under @hono/node-server the
 * body is read straight from Node's request into one buffer of the declared length: a frame of
 * megabytes is copied once, not gathered, concatenated and copied again.
 */
async function readBodyBounded(c: Context, bytesMax: number): Promise<Uint8Array> {
  const declared = c.req.header('content-length');
  const chunked = declared === undefined || c.req.header('transfer-encoding') !== undefined;
  let lengthBytes: number | undefined;
  if (!chunked) {
    lengthBytes = Number(declared);
    if (!Number.isSafeInteger(lengthBytes) || lengthBytes < 0) throw new AppError('INVALID_INPUT', 'content-length is not a byte count');
    if (lengthBytes > bytesMax) throw tooLarge(bytesMax);
  }
  const incoming = nodeRequestOf(c);
  const source: AsyncIterable<Uint8Array> | null = incoming ?? c.req.raw.body;
  if (source === null) return new Uint8Array(0);
  try {
    return lengthBytes === undefined ? await readChunks(source, bytesMax) : await readExactly(source, lengthBytes);
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    // The sender went away mid-body: nothing to answer, and not this node's fault.
    throw new AppError('INVALID_INPUT', 'the request body could not be read to its end', { cause });
  }
}

const tooLarge = (bytesMax: number) => new AppError('PAYLOAD_TOO_LARGE', `the body exceeds ${bytesMax} bytes`);

/** Node's request stream, when the app runs under @hono/node-server (its bindings are the env). */
function nodeRequestOf(c: Context): IncomingMessage | undefined {
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null || !('incoming' in env)) return undefined;
  const incoming = env.incoming;
  return incoming instanceof IncomingMessage && !incoming.readableDidRead ? incoming : undefined;
}

/** Node's parser holds a body to its declared length, so filling a buffer of that length is bounded. */
async function readExactly(source: AsyncIterable<Uint8Array>, lengthBytes: number): Promise<Uint8Array> {
  const body = new Uint8Array(lengthBytes);
  let offset = 0;
  for await (const chunk of source) {
    if (offset + chunk.byteLength > lengthBytes) throw new AppError('INVALID_INPUT', 'the body is longer than its content-length');
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  if (offset !== lengthBytes) throw new AppError('INVALID_INPUT', 'the body is shorter than its content-length');
  return body;
}

async function readChunks(source: AsyncIterable<Uint8Array>, bytesMax: number): Promise<Uint8Array> {
  const all = await readBytesBounded(source, bytesMax);
  if (all === null) throw tooLarge(bytesMax);
  return all;
}
