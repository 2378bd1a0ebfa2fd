import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderForwarder } from '../../../consensus/replicated/leader-forwarder.ts';
import { AppError } from '../../../runtime/errors.ts';
import { weatherEvent } from '../fixtures.ts';

const tx = { type: 'attest' as const, event: weatherEvent({ id: 'fw-e1' }) };
const forwarders: LeaderForwarder[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const f of forwarders.splice(0)) await f.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

function forwarder(timeoutMs: number): LeaderForwarder {
  const f = new LeaderForwarder({ clusterSecret: 'test-cluster-secret-0123456789abcdef', timeoutMs });
  forwarders.push(f);
  return f;
}

async function failureOf(work: Promise<unknown>): Promise<AppError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe('leader forwarder', () => {
  it('says that the leader refused the connection when nothing listens on its port', async () => {
    const error = await failureOf(forwarder(2_000).submit('http://127.0.0.1:1', [tx]));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toBe('the leader refused the connection; deliver again');
  });

  it('says only that the leader could not be reached when it took the request and never answered', async () => {
    const silent = createServer(() => {});
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const error = await failureOf(forwarder(200).submit(`http://127.0.0.1:${port}`, [tx]));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toBe('the leader could not be reached; deliver again');
  });
});
