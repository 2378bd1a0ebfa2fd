import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { txHashOf } from '../../../consensus/chain/index.ts';
import { applyTransaction, assetKey, eventKey, readAssetRecord } from '../../../consensus/ledger/index.ts';
import { ChannelDelivery, type ChannelDeliveryReceipt } from '../../../schemas/index.ts';
import { checkAttestationHistory, runAttestationWorkload } from './workload.ts';

const TOKEN = { 'x-cluster-token': 'fake-cluster-token' };
const CHECK_TIMEOUT_MS = 20_000;

interface FakeLedger {
  state: Map<string, unknown>;
  height: number;
}

interface FakeNodeOptions {
  /** Reads come from here; a stale node reads a ledger that never moves. */
  readFrom: FakeLedger;
  /** Every this-many-th delivery is applied and then never answered. */
  silentEvery?: number;
  /** Every this-many-th delivery is answered with the leader's "not the leader" refusal, 503. */
  refuseEvery?: number;
  /** A lying node: the refused deliveries are applied all the same. */
  applyRefused?: boolean;
}

const NOT_LEADER = { error: { code: 'UNAVAILABLE', message: 'this node is not the leader; deliver again' } };

/**
 * A stand-in for the cluster on 127.0.0.1: one in-memory ledger run by the real state machine,
 * served under the real paths. It checks the workload driver, not the cluster.
 */
function fakeNodeApp(ledger: FakeLedger, options: FakeNodeOptions): Hono {
  const app = new Hono();
  let deliveries = 0;
  app.use('*', async (c, next) => {
    if (c.req.header('x-cluster-token') !== TOKEN['x-cluster-token']) return c.json({ error: { code: 'UNAUTHENTICATED', message: 'no' } }, 401);
    await next();
  });
  app.post('/api/v11/internal/channel-events', async (c) => {
    const { events } = ChannelDelivery.parse(await c.req.json());
    await pause();
    deliveries++;
    const refused = options.refuseEvery !== undefined && deliveries % options.refuseEvery === 0;
    if (refused && options.applyRefused !== true) return c.json(NOT_LEADER, 503);
    const receipt: ChannelDeliveryReceipt = { committed: [], rejected: [] };
    for (const event of events) {
      const tx = { type: 'attest' as const, event };
      const result = applyTransaction(ledger.state, tx, { height: ++ledger.height, txHash: txHashOf(tx) });
      if (result.kind === 'applied') for (const [k, v] of result.writes) ledger.state.set(k, v);
      if (result.kind === 'rejected') receipt.rejected.push({ eventId: event.id, code: result.code, message: result.message });
      else receipt.committed.push({ eventId: event.id, height: ledger.height, txHash: txHashOf(tx), duplicate: result.kind === 'duplicate' });
    }
    if (refused) return c.json(NOT_LEADER, 503);
    if (options.silentEvery !== undefined && deliveries % options.silentEvery === 0) await new Promise(() => {});
    await pause();
    return c.json(receipt);
  });
  app.get('/api/v11/state/assets/:id', async (c) => {
    await pause();
    const asset = readAssetRecord(options.readFrom.state.get(assetKey(c.req.param('id'))));
    await pause();
    return asset === undefined ? c.json({ error: { code: 'ASSET_NOT_FOUND', message: 'no asset' } }, 404) : c.json(asset);
  });
  return app;
}

/** A few milliseconds, so that operations overlap. */
const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 3));

const servers: ServerType[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    // Deliveries left unanswered on purpose hold their connections open.
    if ('closeAllConnections' in s) s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function start(app: Hono): Promise<string> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const newLedger = (): FakeLedger => ({ state: new Map(), height: 0 });

describe('attestation workload driver', () => {
  it('records a history of writes and reads that the checker accepts against one consistent ledger behind two nodes', async () => {
    const ledger = newLedger();
    const nodes = [await start(fakeNodeApp(ledger, { readFrom: ledger })), await start(fakeNodeApp(ledger, { readFrom: ledger }))];
    const { history, statuses } = await runAttestationWorkload({ nodeUrls: nodes, headers: TOKEN, clients: 6, keys: 2, durationMs: 10_000, operationsMax: 300 });

    // Bounded by count (or by time on a slow machine).
    expect(history.length).toBeGreaterThan(0);
    expect(history.length).toBeLessThanOrEqual(300);
    expect(statuses['401 UNAUTHENTICATED']).toBeUndefined();
    expect(statuses['200']).toBeGreaterThan(0);
    // Not a vacuous history: writes that committed and reads that saw values.
    expect(history.some((op) => op.output?.kind === 'attest' && op.output.outcome === 'committed')).toBe(true);
    expect(history.some((op) => op.output?.kind === 'read' && op.output.latest !== null)).toBe(true);
    expect(checkAttestationHistory(history, CHECK_TIMEOUT_MS).ok).toBe(true);
  });

  it('records deliveries that get no answer in time as pending, and the checker still accepts the history', async () => {
    const ledger = newLedger();
    const node = await start(fakeNodeApp(ledger, { readFrom: ledger, silentEvery: 7 }));
    const { history, statuses } = await runAttestationWorkload({ nodeUrls: [node], headers: TOKEN, clients: 6, keys: 2, durationMs: 5_000, operationsMax: 200, requestTimeoutMs: 200 });

    expect(history.filter((op) => op.pending).length).toBeGreaterThan(0);
    expect(Object.keys(statuses).some((s) => s.startsWith('error:'))).toBe(true);
    expect(checkAttestationHistory(history, CHECK_TIMEOUT_MS).ok).toBe(true);
  });

  it('retires the process of an operation whose outcome is unknown, so no process has anything after a pending operation', async () => {
    const ledger = newLedger();
    const node = await start(fakeNodeApp(ledger, { readFrom: ledger, silentEvery: 5 }));
    const { history } = await runAttestationWorkload({ nodeUrls: [node], headers: TOKEN, clients: 4, keys: 2, durationMs: 5_000, operationsMax: 100, requestTimeoutMs: 100 });

    const pendingOps = history.filter((op) => op.pending);
    expect(pendingOps.length).toBeGreaterThan(1);
    for (const p of pendingOps) expect(history.filter((op) => op.clientId === p.clientId && op.id > p.id)).toEqual([]);
  });

  it('records a delivery refused before proposing as failed and leaves it out of the history', async () => {
    const ledger = newLedger();
    const node = await start(fakeNodeApp(ledger, { readFrom: ledger, refuseEvery: 3 }));
    const { history, failed, statuses } = await runAttestationWorkload({ nodeUrls: [node], headers: TOKEN, clients: 4, keys: 1, durationMs: 10_000, operationsMax: 60, unavailableBackoffMs: 20 });

    expect(statuses['503 UNAVAILABLE']).toBeGreaterThan(0);
    expect(failed.length).toBe(statuses['503 UNAVAILABLE']);
    expect(failed.every((op) => op.reason === '503 refused before proposing')).toBe(true);
    expect(history.filter((op) => op.pending)).toEqual([]);
    expect(checkAttestationHistory(history, CHECK_TIMEOUT_MS).ok).toBe(true);
  });

  it('catches a node that applies deliveries it answered as refused before proposing', async () => {
    const ledger = newLedger();
    const node = await start(fakeNodeApp(ledger, { readFrom: ledger, refuseEvery: 3, applyRefused: true }));
    const { history, failed } = await runAttestationWorkload({ nodeUrls: [node], headers: TOKEN, clients: 4, keys: 1, durationMs: 10_000, operationsMax: 200 });

    expect(failed.length).toBeGreaterThan(0);
    const result = checkAttestationHistory(history, CHECK_TIMEOUT_MS);
    expect(result.ok).toBe(false);
    if (result.ok === false) expect(result.violation.stuck.input.kind).toBe('read');
  });

  it('records a delivery to a member that refuses connections as failed, one that never takes effect', async () => {
    const ledger = newLedger();
    const live = await start(fakeNodeApp(ledger, { readFrom: ledger }));
    const dead = 'http://127.0.0.1:1';
    const { history, failed } = await runAttestationWorkload({ nodeUrls: [live, dead], headers: TOKEN, clients: 4, keys: 1, durationMs: 10_000, operationsMax: 100 });

    const refusedWrites = failed.filter((op) => op.input.kind === 'attest');
    expect(refusedWrites.length).toBeGreaterThan(0);
    expect(refusedWrites.every((op) => op.reason === 'connection refused')).toBe(true);
    expect(refusedWrites.some((op) => op.input.kind === 'attest' && ledger.state.has(eventKey(op.input.eventId)))).toBe(false);
    // Failed operations are left out of the history the checker sees.
    expect(history.some((op) => refusedWrites.some((f) => f.id === op.id))).toBe(false);
    expect(checkAttestationHistory(history, CHECK_TIMEOUT_MS).ok).toBe(true);
  });

  it('catches a node that serves reads from a ledger that never moves', async () => {
    const ledger = newLedger();
    const writer = await start(fakeNodeApp(ledger, { readFrom: ledger }));
    const stale = await start(fakeNodeApp(ledger, { readFrom: newLedger() }));
    const { history } = await runAttestationWorkload({ nodeUrls: [writer, stale], headers: TOKEN, clients: 4, keys: 1, durationMs: 5_000, operationsMax: 200 });

    const result = checkAttestationHistory(history, CHECK_TIMEOUT_MS);
    expect(result.ok).toBe(false);
    if (result.ok === false) expect(result.violation.stuck.input.kind).toBe('read');
  });

  it('refuses node URLs that are not on the loopback interface', async () => {
    await expect(runAttestationWorkload({ nodeUrls: ['http://10.0.0.1:9003'], durationMs: 10 })).rejects.toThrow(/loopback/);
  });
});
