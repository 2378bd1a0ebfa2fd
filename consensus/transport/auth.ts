import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { NodeId } from '../raft/index.ts';

/**
 * Who may post peer messages: a member of the cluster, proven by an HMAC-SHA256 with the cluster
 * secret over (sender, recipient, timestamp, SHA-256 of the body). The body digest binds the
 * signature to these exact bytes, the recipient stops a request captured on its way to one node
 * from being played to another, and the timestamp bounds how long a captured request stays good.
 * The secret never travels, unlike the plain cluster token of the other internal routes.
 */

/** Where members post each other's Raft traffic and co-signatures; outside API_PREFIX, as no client calls it. */
export const PEER_MESSAGES_PATH = '/internal/peer/messages';

export const PEER_FROM_HEADER = 'x-peer-from';
export const PEER_TO_HEADER = 'x-peer-to';
export const PEER_TIMESTAMP_HEADER = 'x-peer-timestamp';
export const PEER_SIGNATURE_HEADER = 'x-peer-signature';

/** Clock difference tolerated between members, either way; beyond it a request is refused as stale. */
export const PEER_CLOCK_SKEW_MS_MAX = 30_000;

/** Versioned so a later scheme cannot be confused with this one. */
const SCHEME = 'peer-hmac-sha256-v1';
const SIGNATURE_HEX_CHARS = 64;
const TIMESTAMP_PATTERN = /^[0-9]{1,16}$/;

export interface PeerSignatureInput {
  from: NodeId;
  to: NodeId;
  timestampMs: number;
  body: Uint8Array;
}

function signature(secret: string, input: PeerSignatureInput): Buffer {
  const bodyDigest = createHash('sha256').update(input.body).digest('hex');
  // Newline-separated: node ids cannot hold one (they travel in headers), so fields cannot run into each other.
  return createHmac('sha256', secret).update(`${SCHEME}\n${input.from}\n${input.to}\n${input.timestampMs}\n${bodyDigest}`).digest();
}

/** The headers a sender adds to one request. */
export function signPeerRequest(secret: string, input: PeerSignatureInput): Record<string, string> {
  return {
    [PEER_FROM_HEADER]: input.from,
    [PEER_TO_HEADER]: input.to,
    [PEER_TIMESTAMP_HEADER]: String(input.timestampMs),
    [PEER_SIGNATURE_HEADER]: signature(secret, input).toString('hex'),
  };
}

export type PeerAuthFailure =
  | 'PEER_AUTH_MISSING'
  | 'PEER_AUTH_MALFORMED'
  | 'PEER_AUTH_WRONG_RECIPIENT'
  | 'PEER_AUTH_STALE'
  | 'PEER_AUTH_BAD_SIGNATURE';

export type PeerAuthHeaders = Record<'from' | 'to' | 'timestamp' | 'signature', string | undefined>;

/** What can be checked before reading the body: presence, shape, recipient and freshness. */
export function checkPeerHeaders(
  headers: PeerAuthHeaders,
  selfId: NodeId,
  nowMs: number,
  skewMsMax: number = PEER_CLOCK_SKEW_MS_MAX,
): { ok: true; from: NodeId; to: NodeId; timestampMs: number; signature: Buffer } | { ok: false; failure: PeerAuthFailure } {
  const { from, to, timestamp, signature: sig } = headers;
  if (from === undefined || to === undefined || timestamp === undefined || sig === undefined) return { ok: false, failure: 'PEER_AUTH_MISSING' };
  if (from.length === 0 || from.length > 256 || !TIMESTAMP_PATTERN.test(timestamp) || sig.length !== SIGNATURE_HEX_CHARS || !/^[0-9a-f]+$/.test(sig)) {
    return { ok: false, failure: 'PEER_AUTH_MALFORMED' };
  }
  if (to !== selfId) return { ok: false, failure: 'PEER_AUTH_WRONG_RECIPIENT' };
  const timestampMs = Number(timestamp);
  if (Math.abs(nowMs - timestampMs) > skewMsMax) return { ok: false, failure: 'PEER_AUTH_STALE' };
  return { ok: true, from, to, timestampMs, signature: Buffer.from(sig, 'hex') };
}

/** Compares in constant time, so response timing reveals nothing about the expected signature. */
export function peerSignatureMatches(secret: string, input: PeerSignatureInput, presented: Buffer): boolean {
  const expected = signature(secret, input);
  return presented.byteLength === expected.byteLength && timingSafeEqual(presented, expected);
}
