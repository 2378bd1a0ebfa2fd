import { hexToBytes } from '@noble/hashes/utils.js';
import { ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyMerkleProof } from '../../consensus/crypto/merkle.ts';
import { startValidator } from '../../consensus/index.ts';
import { CLUSTER_TOKEN_HEADER } from '../../runtime/cluster-auth.ts';
import { loadConfig } from '../../runtime/config.ts';
import { hashValue } from '../../runtime/hash.ts';
import type { RunningNode } from '../../runtime/node.ts';
import { Attestation, BlockWithFinality, BlockWithTransactions, CommittedEvent, ConsensusStatus, ErrorBody, NodeHealth, TransactionReceipt, type ChannelEvent } from '../../schemas/index.ts';
import { tempDir } from '../support/databases.ts';
import { minute, silentLogger, weatherEvent } from './fixtures.ts';

const SECRET = 'cluster-secret-for-tests';
const dir = tempDir('consensus-http');
let node: RunningNode;

beforeAll(async () => {
  const config = loadConfig({ ROLE: 'validator', CLUSTER_SECRET: SECRET, DATA_DIR: dir.path, DB_SCHEMA: 'v_test', BLOCK_INTERVAL_MS: '50', PORT: '0' });
  node = await startValidator(config, silentLogger);
});

afterAll(async () => {
  await node?.close();
  dir.remove();
});

const api = (path: string, init: RequestInit & { token?: boolean } = {}) => {
  const headers = new Headers(init.headers);
  if (init.token !== false) headers.set(CLUSTER_TOKEN_HEADER, SECRET);
  return fetch(`${node.url}/api/v11${path}`, { ...init, headers });
};

const deliver = (events: unknown[]) =>
  api('/internal/channel-events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });

interface DeliveryAnswer {
  committed: { eventId: string; height: number; txHash: string; duplicate: boolean }[];
  rejected: { eventId: string; code: string; message: string }[];
}

async function deliverOk(events: ChannelEvent[]): Promise<DeliveryAnswer> {
  const res = await deliver(events);
  expect(res.status).toBe(200);
  return (await res.json()) as DeliveryAnswer;
}

async function errorOf(res: Response): Promise<ErrorBody['error']> {
  return ErrorBody.parse(await res.json()).error;
}

describe('validator HTTP: access', () => {
  it('answers /livez without a cluster token', async () => {
    const res = await fetch(`${node.url}/livez`);
    expect(res.status).toBe(200);
  });

  it('refuses a request without the cluster token with a 401 JSON error', async () => {
    const res = await api('/health', { token: false });
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
    const res = await api('/no/such/route');
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
  });
});

describe('validator HTTP: channel deliveries', () => {
  it('commits delivered events and serves the latest attestation with a proof and a signature that verify', async () => {
    const older = weatherEvent({ id: 'd-1', feedId: 'feed-verify', observedAt: minute(1), value: 3.5 });
    const newer = weatherEvent({ id: 'd-2', feedId: 'feed-verify', observedAt: minute(2), value: 4.25 });
    const answer = await deliverOk([older, newer]);
    expect(answer.committed.map((c) => [c.eventId, c.duplicate])).toEqual([
      ['d-1', false],
      ['d-2', false],
    ]);

    const res = await api('/query/attestations/feed-verify/latest');
    expect(res.status).toBe(200);
    const attestation = Attestation.parse(await res.json());
    expect(attestation).toMatchObject({ value: 4.25, unit: '°C', observedAt: minute(2), txHash: answer.committed[1]!.txHash });
    expect(attestation.event.quality.decision).toBe('accepted');

    const { block, proof, validators } = attestation;
    expect(proof.leaf).toBe(attestation.txHash);
    expect(proof.root).toBe(block.header.txRoot);
    expect(verifyMerkleProof(proof)).toBe(true);
    expect(block.hash).toBe(hashValue(block.header));
    const signer = validators.find((v) => v.nodeId === block.signatures[0]!.signer)!;
    expect(ml_dsa87.verify(hexToBytes(block.signatures[0]!.signature), hexToBytes(block.hash), hexToBytes(signer.publicKey))).toBe(true);
  });

  it('treats a redelivery as a no-op: duplicate, same height and transaction', async () => {
    const event = weatherEvent({ id: 'r-1', feedId: 'feed-redeliver' });
    const [first] = (await deliverOk([event])).committed;
    const [second] = (await deliverOk([event])).committed;
    expect(second).toEqual({ ...first, duplicate: true });
  });

  it('answers an event that needs review and has no approval as rejected, with its code', async () => {
    const answer = await deliverOk([weatherEvent({ id: 'rv-1', feedId: 'feed-review', decision: 'review' })]);
    expect(answer).toMatchObject({ committed: [], rejected: [{ eventId: 'rv-1', code: 'ATTEST_NOT_APPROVED' }] });
    expect((await api('/query/attestations/feed-review/latest')).status).toBe(404);
  });

  it('answers a delivery that breaks the schema with 400 naming the field', async () => {
    const broken = { ...weatherEvent({ id: 'b-1' }), feedId: 'has spaces' };
    const res = await deliver([broken]);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('events.0.feedId');
  });

  it('answers an empty delivery with 400', async () => {
    expect((await deliver([])).status).toBe(400);
  });

  it('answers a body that is not JSON with 415', async () => {
    const res = await api('/internal/channel-events', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(res.status).toBe(415);
  });
});

describe('validator HTTP: reads', () => {
  let committed: DeliveryAnswer['committed'][number];

  beforeAll(async () => {
    [committed] = (await deliverOk([weatherEvent({ id: 'read-1', feedId: 'feed-read', assetId: 'asset-read', value: 7 })])).committed as [
      DeliveryAnswer['committed'][number],
    ];
  });

  it('reports its health with height, pending transactions and node id', async () => {
    const health = NodeHealth.parse(await (await api('/health')).json());
    expect(health).toMatchObject({ role: 'validator', status: 'up' });
    expect(health.details).toMatchObject({ height: expect.any(Number), pendingTransactions: expect.any(Number), nodeId: expect.any(String) });
  });

  it('reports itself as the leader of term 1 with its public key', async () => {
    const status = ConsensusStatus.parse(await (await api('/consensus/status')).json());
    expect(status).toMatchObject({ role: 'leader', term: 1, leader: status.nodeId });
    expect(status.members).toEqual([expect.objectContaining({ nodeId: status.nodeId, algorithm: 'ml_dsa87' })]);
    expect(status.height).toBeGreaterThanOrEqual(committed.height);
  });

  it('serves a block with its transactions', async () => {
    const block = BlockWithTransactions.parse(await (await api(`/consensus/blocks/${committed.height}`)).json());
    expect(block.txHashes).toContain(committed.txHash);
    expect(block.transactions).toHaveLength(block.txHashes.length);
  });

  it('serves a block as final with its own signature, a single validator being the only voter', async () => {
    const status = ConsensusStatus.parse(await (await api('/consensus/status')).json());
    const block = BlockWithFinality.parse(await (await api(`/consensus/blocks/${committed.height}`)).json());
    expect(block.finality).toEqual({ final: true, signers: [status.nodeId], required: 1 });
    expect(block.signatures).toEqual([expect.objectContaining({ signer: status.nodeId, publicKey: status.members[0]!.publicKey })]);
  });

  it('answers a malformed block height with 400 naming the parameter', async () => {
    const res = await api('/consensus/blocks/-1');
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain('height');
  });

  it('answers a height beyond the head with 404 BLOCK_NOT_FOUND', async () => {
    const res = await api('/consensus/blocks/999999');
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: 'BLOCK_NOT_FOUND' });
  });

  it('serves a transaction receipt whose proof verifies under the block txRoot', async () => {
    const receipt = TransactionReceipt.parse(await (await api(`/transaction/${committed.txHash}`)).json());
    expect(receipt).toMatchObject({ status: 'committed', height: committed.height });
    expect(receipt.proof!.root).toBe(receipt.block!.header.txRoot);
    expect(verifyMerkleProof(receipt.proof!)).toBe(true);
  });

  it('answers an unknown transaction with 404 TX_NOT_FOUND', async () => {
    const res = await api(`/transaction/${'0'.repeat(64)}`);
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: 'TX_NOT_FOUND' });
  });

  it('serves an asset with the latest value of each of its feeds', async () => {
    const res = await api('/state/assets/asset-read');
    expect(await res.json()).toMatchObject({ assetId: 'asset-read', feeds: { 'feed-read': { value: 7, eventId: 'read-1' } } });
  });

  it('answers an unknown asset with 404 ASSET_NOT_FOUND', async () => {
    const res = await api('/state/assets/asset-nobody-has');
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: 'ASSET_NOT_FOUND' });
  });

  it('answers a feed without attestations with 404 ATTESTATION_NOT_FOUND', async () => {
    const res = await api('/query/attestations/feed-never-seen/latest');
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: 'ATTESTATION_NOT_FOUND' });
  });

  it('lists the five channels with their committed event counts', async () => {
    const { channels } = (await (await api('/channels')).json()) as { channels: { name: string; events: number; lastSequence: number | null }[] };
    expect(channels.map((c) => c.name)).toEqual(['market', 'real_estate', 'carbon', 'iot', 'weather']);
    expect(channels.find((c) => c.name === 'weather')!.events).toBeGreaterThan(0);
    expect(channels.find((c) => c.name === 'market')).toEqual({ name: 'market', events: 0, lastSequence: null });
  });
});

describe('validator HTTP: channel event streams', () => {
  beforeAll(async () => {
    await deliverOk([0, 1, 2].map((n) => weatherEvent({ id: `s-${n}`, feedId: 'feed-stream', observedAt: minute(n) })));
  });

  it('streams committed events as server-sent events with the commit sequence as id', async () => {
    const events = await readEvents('/channels/weather/events', 2);
    expect(events.every((e) => e.event === 'attestation')).toBe(true);
    expect(events.map((e) => Number(e.id))).toEqual(events.map((e) => CommittedEvent.parse(JSON.parse(e.data)).sequence));
    expect(Number(events[1]!.id)).toBeGreaterThan(Number(events[0]!.id));
  });

  it('resumes after the sequence given in Last-Event-ID', async () => {
    const [first, second] = await readEvents('/channels/weather/events', 2);
    const [resumed] = await readEvents('/channels/weather/events', 1, { 'last-event-id': first!.id });
    expect(resumed!.id).toBe(second!.id);
  });

  it('resumes after the sequence given in ?after=', async () => {
    const [first, second] = await readEvents('/channels/weather/events', 2);
    const [resumed] = await readEvents(`/channels/weather/events?after=${first!.id}`, 1);
    expect(resumed!.id).toBe(second!.id);
  });

  it('answers an unknown channel with 404 CHANNEL_NOT_FOUND', async () => {
    const res = await api('/channels/gossip/events');
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: 'CHANNEL_NOT_FOUND' });
  });

  it('answers a malformed Last-Event-ID with 400 naming the header', async () => {
    const res = await api('/channels/weather/events', { headers: { 'last-event-id': 'yesterday' } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain('Last-Event-ID');
  });
});

interface SseMessage {
  id: string;
  event: string;
  data: string;
}

/** Reads the first `count` messages of a stream, then hangs up. */
async function readEvents(path: string, count: number, headers: Record<string, string> = {}): Promise<SseMessage[]> {
  const abort = new AbortController();
  const res = await api(path, { headers, signal: abort.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const messages: SseMessage[] = [];
  let buffer = '';
  try {
    while (messages.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
        }
        if (fields.has('data')) messages.push({ id: fields.get('id') ?? '', event: fields.get('event') ?? 'message', data: fields.get('data')! });
      }
    }
  } finally {
    abort.abort();
    await reader.cancel().catch(() => {});
  }
  return messages.slice(0, count);
}
