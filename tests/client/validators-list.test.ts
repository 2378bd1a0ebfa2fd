import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OracleClient } from '../../client/api/index.ts';
import { validatorSet } from '../../client/verify/index.ts';
import type { ConsensusStatus } from '../../schemas/index.ts';
import { pinned } from './verify-fixtures.ts';

const voter = (id: string, n: number) => ({ id, role: 'voter' as const, ...pinned[n]! });
/** A node's status listing the first voter twice, under its member id and under its node id. */
const status: ConsensusStatus = {
  chainId: 'test-chain',
  nodeId: pinned[0]!.nodeId,
  role: 'leader',
  leader: pinned[0]!.nodeId,
  term: 1,
  height: 1,
  lastHash: 'ab'.repeat(32),
  commitIndex: 1,
  appliedIndex: 1,
  members: [voter('validator-1', 0), voter(pinned[0]!.nodeId, 0), voter('validator-2', 1)],
  pendingTransactions: 0,
};

describe('the validators a node reports', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('lists a voter once even when the node lists it under two member ids, so the list can be pinned', async () => {
    const validators = await new OracleClient({ url }).validators();
    expect(validators.map((v) => v.nodeId)).toEqual([pinned[0]!.nodeId, pinned[1]!.nodeId]);
    expect(validatorSet(validators).validators.size).toBe(2);
  });
});
