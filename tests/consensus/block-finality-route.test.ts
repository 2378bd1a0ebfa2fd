import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBlockHash } from '../../consensus/chain/cosign.ts';
import { buildBlock, genesisBlock, txHashOf } from '../../consensus/chain/index.ts';
import type { ValidatorHttpDeps } from '../../consensus/http/deps.ts';
import { consensusRoutes } from '../../consensus/http/routes/consensus.ts';
import { StateTree } from '../../consensus/ledger/index.ts';
import { ConsensusRepository } from '../../consensus/storage/repository.ts';
import { openDatabase, type OpenDatabase } from '../../db/client.ts';
import { installErrorHandling } from '../../runtime/http.ts';
import { BlockWithFinality, BlockWithTransactions, type ConsensusStatus } from '../../schemas/index.ts';
import { attest, minute, silentLogger, testSigner, weatherEvent } from './fixtures.ts';

const [v1, v2, v3, learner] = [41, 42, 43, 44].map((seed) => testSigner(seed)) as [
  ReturnType<typeof testSigner>,
  ReturnType<typeof testSigner>,
  ReturnType<typeof testSigner>,
  ReturnType<typeof testSigner>,
];

let database: OpenDatabase;
let repo: ConsensusRepository;
let blockHash: string;

/** This node is v1: it built and signed height 1; v1 is the only member whose key it has from the status. */
const status = (): ConsensusStatus => ({
  chainId: 'test-chain',
  nodeId: v1.nodeId,
  role: 'follower',
  leader: v2.nodeId,
  term: 3,
  height: 1,
  lastHash: blockHash,
  commitIndex: 5,
  appliedIndex: 5,
  members: [
    { id: 'validator-1', nodeId: v1.nodeId, role: 'voter', publicKey: v1.publicKeyHex, algorithm: v1.algorithm },
    { id: 'validator-2', role: 'voter' },
    { id: 'validator-3', role: 'voter' },
    { id: 'business-1', role: 'learner' },
  ],
  pendingTransactions: 0,
});

function appWith(voters: (() => readonly string[]) | undefined): Hono {
  const app = new Hono();
  installErrorHandling(app, silentLogger);
  // The block route reads the status, storage and voters only.
  const deps = { consensus: { status }, repository: repo, ...(voters === undefined ? {} : { voters }) } as unknown as ValidatorHttpDeps;
  consensusRoutes(app, deps);
  return app;
}

const clusterApp = () => appWith(() => [v1.nodeId, v2.nodeId, v3.nodeId]);
const getBlock = async (app: Hono, height: number) => {
  const res = await app.request(`/consensus/blocks/${height}`);
  expect(res.status).toBe(200);
  return BlockWithFinality.parse(await res.json());
};

beforeAll(async () => {
  database = await openDatabase({ part: 'consensus', dataDir: 'memory://', schema: 'v_route' });
  repo = new ConsensusRepository(database.db);
  const genesis = genesisBlock('test-chain', minute(0), v1);
  await repo.persistBlock({ block: { ...genesis, transactions: [] }, writes: new Map(), attested: [] });
  const tx = attest(weatherEvent({ id: 'route-1' }));
  const state = new Map<string, unknown>();
  const built = buildBlock({ chainId: 'test-chain', head: genesis, state, stateTree: StateTree.from(state), batch: [{ tx, hash: txHashOf(tx) }], timestamp: minute(1), signer: v1 });
  await repo.persistBlock({ block: built.block!, writes: built.writes, attested: built.attested });
  blockHash = built.block!.hash;
}, 60_000);

afterAll(async () => {
  await database?.close();
});

describe('GET /consensus/blocks/:height with finality', () => {
  it("answers a block signed by one voter of three as not final, with that voter's key", async () => {
    const block = await getBlock(clusterApp(), 1);
    expect(block.finality).toEqual({ final: false, signers: [v1.nodeId], required: 2 });
    expect(block.signatures).toEqual([expect.objectContaining({ signer: v1.nodeId, publicKey: v1.publicKeyHex })]);
    expect(block.transactions).toHaveLength(1);
  });

  it('answers a block final once a second voter co-signed it, listing both signatures', async () => {
    await repo.addBlockSignatures(1, blockHash, [signBlockHash(v2, blockHash), signBlockHash(learner, blockHash)]);
    const block = await getBlock(clusterApp(), 1);
    expect(block.finality).toEqual({ final: true, signers: [v1.nodeId, v2.nodeId], required: 2 });
    expect(block.signatures.map((s) => s.signer).sort()).toEqual([v1.nodeId, v2.nodeId, learner.nodeId].sort());
  });

  it('still parses as a block with transactions for readers that know nothing of finality', async () => {
    const res = await clusterApp().request('/consensus/blocks/1');
    expect(BlockWithTransactions.parse(await res.json()).hash).toBe(blockHash);
  });

  it('counts this node alone as the voter set when none is configured', async () => {
    const block = await getBlock(appWith(undefined), 0);
    expect(block.finality).toEqual({ final: true, signers: [v1.nodeId], required: 1 });
  });

  it('answers a height it holds no block at with 404 BLOCK_NOT_FOUND', async () => {
    const res = await clusterApp().request('/consensus/blocks/9');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'BLOCK_NOT_FOUND' } });
  });
});
