import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, OracleClient } from '../../client/api/index.ts';
import { reconnectDelay } from '../../client/api/tail.ts';
import type { CommittedEvent } from '../../schemas/index.ts';
import { events } from './verify-fixtures.ts';

const committed: CommittedEvent = { sequence: 1, event: events[0]!, height: 7, txHash: 'ab'.repeat(32) };

describe('tail: a server that says "slow down"', () => {
  let server: Server;
  let url: string;
  let requests = 0;

  beforeAll(async () => {
    // The first request is refused with 429 and Retry-After; the next ones get one committed event.
    server = createServer((_req, res) => {
      requests++;
      if (requests === 1) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
        res.end(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'too many requests' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`id: ${committed.sequence}\ndata: ${JSON.stringify(committed)}\n\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reconnects after a 429 instead of giving up, and yields the events that follow', async () => {
    const tail = new OracleClient({ url }).tail('weather', { reconnectDelayMs: 1 });
    const first = await tail.next();
    await tail.return(undefined);
    expect(first.value).toEqual(committed);
    expect(requests).toBeGreaterThanOrEqual(2);
  });
});

describe('tail: the pause before reconnecting', () => {
  const slowDown = (retryAfterS?: number) => new ApiError('RATE_LIMITED', 'too many requests', 429, undefined, retryAfterS === undefined ? {} : { retryAfterS });

  it("waits as long as the server's Retry-After asks", () => {
    expect(reconnectDelay(1, slowDown(7), 1_000, 30_000)).toBe(7_000);
  });

  it("never waits longer than the bound, whatever the server's Retry-After", () => {
    expect(reconnectDelay(1, slowDown(3_600), 1_000, 30_000)).toBe(30_000);
  });

  it('doubles the pause after each failure in a row when the server named no wait, up to the bound', () => {
    expect([1, 2, 3, 4, 10].map((n) => reconnectDelay(n, slowDown(), 1_000, 30_000))).toEqual([1_000, 2_000, 4_000, 8_000, 30_000]);
  });
});
