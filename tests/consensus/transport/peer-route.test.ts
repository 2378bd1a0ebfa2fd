import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PEER_MESSAGES_PATH, encodeFrame, signPeerRequest, type PeerMessage } from '../../../consensus/transport/index.ts';
import { heartbeat, SECRET, startPeerServer, type PeerServer } from './support.ts';
import { appendMessage } from './arbitraries.ts';

const BODY_BYTES_MAX = 64 * 1024;

interface Post {
  body: Uint8Array;
  secret?: string;
  from?: string;
  to?: string;
  timestampMs?: number;
  headers?: Record<string, string>;
  /** Sent chunked, without Content-Length. */
  chunked?: boolean;
}

describe('peer route authentication and limits', () => {
  let peer: PeerServer;

  beforeAll(async () => {
    peer = await startPeerServer('v2', { bodyBytesMax: BODY_BYTES_MAX, isMember: (id) => ['v1', 'v2', 'v3'].includes(id) });
  });
  afterAll(() => peer.close());
  beforeEach(() => {
    peer.received.length = 0;
  });

  async function post(p: Post): Promise<{ status: number; body: unknown }> {
    const signed = signPeerRequest(p.secret ?? SECRET, { from: p.from ?? 'v1', to: p.to ?? 'v2', timestampMs: p.timestampMs ?? Date.now(), body: p.body });
    const body = p.chunked === true ? Readable.from([p.body]) : p.body;
    const answer = await request(`${peer.server.url}${PEER_MESSAGES_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...signed, ...p.headers },
      body,
    });
    const text = await answer.body.text();
    return { status: answer.statusCode, body: text === '' ? null : JSON.parse(text) };
  }

  const frame = (...messages: PeerMessage[]) => encodeFrame(messages);
  const reasonOf = (body: unknown) => (body as { error: { details: { reason: string } } }).error.details.reason;

  it('a frame signed by a member is answered 204 and handed to the node with its sender', async () => {
    const answer = await post({ body: frame(heartbeat('v1', 'v2', 3), appendMessage('v1', 'v2', 4, 2, 100)) });
    expect(answer.status).toBe(204);
    expect(peer.received).toEqual([{ from: 'v1', messages: [heartbeat('v1', 'v2', 3), appendMessage('v1', 'v2', 4, 2, 100)] }]);
  });

  it('a chunked body within the limit is accepted', async () => {
    expect((await post({ body: frame(heartbeat('v1', 'v2', 1)), chunked: true })).status).toBe(204);
    expect(peer.received).toHaveLength(1);
  });

  it('a request signed with another secret is refused with 401 and nothing reaches the node', async () => {
    const answer = await post({ body: frame(heartbeat('v1', 'v2', 1)), secret: 'not-the-cluster-secret' });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: { code: 'UNAUTHENTICATED', details: { reason: 'PEER_AUTH_BAD_SIGNATURE' } } });
    expect(peer.received).toEqual([]);
  });

  it('a request without the signature headers is refused with 401', async () => {
    const answer = await request(`${peer.server.url}${PEER_MESSAGES_PATH}`, { method: 'POST', body: frame(heartbeat('v1', 'v2', 1)) });
    expect(answer.statusCode).toBe(401);
    expect(reasonOf(await answer.body.json())).toBe('PEER_AUTH_MISSING');
  });

  it('a body changed after signing is refused with 401', async () => {
    const signedFor = frame(heartbeat('v1', 'v2', 1));
    const sent = frame(heartbeat('v1', 'v2', 999));
    const signed = signPeerRequest(SECRET, { from: 'v1', to: 'v2', timestampMs: Date.now(), body: signedFor });
    const answer = await request(`${peer.server.url}${PEER_MESSAGES_PATH}`, { method: 'POST', headers: signed, body: sent });
    expect(answer.statusCode).toBe(401);
    expect(reasonOf(await answer.body.json())).toBe('PEER_AUTH_BAD_SIGNATURE');
    expect(peer.received).toEqual([]);
  });

  it('a sender id changed after signing is refused with 401', async () => {
    const body = frame(heartbeat('v3', 'v2', 1));
    const signed = signPeerRequest(SECRET, { from: 'v1', to: 'v2', timestampMs: Date.now(), body });
    const answer = await request(`${peer.server.url}${PEER_MESSAGES_PATH}`, { method: 'POST', headers: { ...signed, 'x-peer-from': 'v3' }, body });
    expect(answer.statusCode).toBe(401);
    expect(peer.received).toEqual([]);
  });

  it('a correctly signed request from a node that is not a member is refused with 403', async () => {
    const answer = await post({ body: frame(heartbeat('gateway', 'v2', 1)), from: 'gateway' });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: { code: 'FORBIDDEN', details: { reason: 'PEER_NOT_MEMBER' } } });
    expect(peer.received).toEqual([]);
  });

  it('a request older than the allowed clock skew is refused as stale', async () => {
    const answer = await post({ body: frame(heartbeat('v1', 'v2', 1)), timestampMs: Date.now() - 31_000 });
    expect(answer.status).toBe(401);
    expect(reasonOf(answer.body)).toBe('PEER_AUTH_STALE');
  });

  it('a request dated beyond the allowed clock skew in the future is refused as stale', async () => {
    const answer = await post({ body: frame(heartbeat('v1', 'v2', 1)), timestampMs: Date.now() + 31_000 });
    expect(answer.status).toBe(401);
    expect(reasonOf(answer.body)).toBe('PEER_AUTH_STALE');
  });

  it('a request signed for another node is refused with 401', async () => {
    const answer = await post({ body: frame(heartbeat('v1', 'v3', 1)), to: 'v3' });
    expect(answer.status).toBe(401);
    expect(reasonOf(answer.body)).toBe('PEER_AUTH_WRONG_RECIPIENT');
  });

  it('a message claiming another sender than the signed one is refused with 400 and none of the batch is delivered', async () => {
    const answer = await post({ body: frame(heartbeat('v1', 'v2', 1), { type: 'vote', from: 'v3', to: 'v2', term: 9, lastLogIndex: 100, lastLogTerm: 9 }) });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'INVALID_INPUT', details: { reason: 'PEER_MESSAGE_FORGED_FROM' } } });
    expect(peer.received).toEqual([]);
  });

  it('a message addressed to another node is refused with 400', async () => {
    const answer = await post({ body: frame(heartbeat('v1', 'v3', 1)) });
    expect(answer.status).toBe(400);
    expect(reasonOf(answer.body)).toBe('PEER_MESSAGE_WRONG_RECIPIENT');
  });

  it('a signed body that is not a valid frame is refused with 400 naming the frame error', async () => {
    const answer = await post({ body: new TextEncoder().encode('{"not":"a frame"}') });
    expect(answer.status).toBe(400);
    expect(reasonOf(answer.body)).toBe('PEER_FRAME_VERSION');
  });

  it('a body declared larger than the limit is refused with 413', async () => {
    const answer = await post({ body: frame(appendMessage('v1', 'v2', 1, 1, BODY_BYTES_MAX)) });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(peer.received).toEqual([]);
  });

  it('a chunked body growing past the limit is refused with 413', async () => {
    const answer = await post({ body: frame(appendMessage('v1', 'v2', 1, 1, BODY_BYTES_MAX)), chunked: true });
    expect(answer.status).toBe(413);
    expect(peer.received).toEqual([]);
  });
});
