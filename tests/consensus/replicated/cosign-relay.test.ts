import { describe, expect, it } from 'vitest';
import { genesisBlock, sealBlock } from '../../../consensus/chain/seal.ts';
import { EMPTY_STATE_ROOT } from '../../../consensus/ledger/index.ts';
import { COSIGN_REOFFER_BLOCKS, CosignRelay } from '../../../consensus/replicated/cosign-relay.ts';
import type { ConsensusRepository } from '../../../consensus/storage/repository.ts';
import type { CoSignature, PeerMessage, PeerTransport } from '../../../consensus/transport/types.ts';
import type { Block } from '../../../schemas/index.ts';
import { silentLogger, testSigner } from '../fixtures.ts';

const signer = testSigner(21);
const members = { voters: ['validator-1', 'validator-2', 'validator-3'], learners: ['business-1'] };

/** Records what the relay sends; the relay's only other collaborator here, storage, is never reached. */
class RecordingTransport implements PeerTransport {
  readonly sent: PeerMessage[] = [];
  send(messages: readonly PeerMessage[]): void {
    this.sent.push(...messages);
  }
  setPeer(): void {}
  removePeer(): void {}
  async close(): Promise<void> {}
  cosigns(): CoSignature[] {
    return this.sent.filter((m): m is CoSignature => m.type === 'cosign');
  }
  clear(): void {
    this.sent.length = 0;
  }
}

function chain(length: number): Block[] {
  const blocks = [genesisBlock('test-chain', '2026-01-01T00:00:00.000Z', signer)];
  for (let i = 1; i <= length; i++) {
    blocks.push(sealBlock({ chainId: 'test-chain', prev: blocks.at(-1)!, txHashes: [], stateRoot: EMPTY_STATE_ROOT, timestamp: '2026-01-01T00:00:01.000Z', signer }));
  }
  return blocks.slice(1);
}

function relay(selfId: string) {
  const transport = new RecordingTransport();
  const unusedStorage = {} as ConsensusRepository;
  return { transport, relay: new CosignRelay(selfId, signer, unusedStorage, transport, silentLogger, () => members) };
}

describe('co-signature relay', () => {
  it('sends a voter’s signature over an applied block to every other member', async () => {
    const { transport, relay: r } = relay('validator-1');
    const [block] = chain(1);
    await r.applied(block!);
    expect(transport.cosigns().map((m) => m.to)).toEqual(['validator-2', 'validator-3', 'business-1']);
    expect(transport.cosigns().every((m) => m.hash === block!.hash && m.publicKey === signer.publicKeyHex)).toBe(true);
  });

  it('offers the signatures sent during an outage again to the member that answers again', async () => {
    const { transport, relay: r } = relay('validator-1');
    for (const block of chain(3)) await r.applied(block);
    transport.clear();
    r.reoffer('validator-3');
    expect(transport.cosigns().map((m) => [m.to, m.height])).toEqual([
      ['validator-3', 1],
      ['validator-3', 2],
      ['validator-3', 3],
    ]);
  });

  it('offers its signatures again to a member it could not reach, once it hears from that member', async () => {
    const { transport, relay: r } = relay('validator-1');
    for (const block of chain(2)) await r.applied(block);
    transport.clear();
    r.heardFrom('validator-3');
    expect(transport.cosigns()).toEqual([]);
    r.unreachable('validator-3');
    r.heardFrom('validator-3');
    r.heardFrom('validator-3');
    expect(transport.cosigns().map((m) => [m.to, m.height])).toEqual([
      ['validator-3', 1],
      ['validator-3', 2],
    ]);
  });

  it('offers again only the newest blocks, a bounded number', async () => {
    const { transport, relay: r } = relay('validator-1');
    for (const block of chain(COSIGN_REOFFER_BLOCKS + 5)) await r.applied(block);
    transport.clear();
    r.reoffer('validator-2');
    const heights = transport.cosigns().map((m) => m.height);
    expect(heights).toHaveLength(COSIGN_REOFFER_BLOCKS);
    expect(heights[0]).toBe(6);
  });

  it('sends the signatures over its newest stored blocks to every member when it starts', () => {
    const { transport, relay: r } = relay('validator-2');
    r.resume(chain(2));
    expect(transport.cosigns().map((m) => [m.to, m.height])).toEqual([
      ['validator-1', 1],
      ['validator-3', 1],
      ['business-1', 1],
      ['validator-1', 2],
      ['validator-3', 2],
      ['business-1', 2],
    ]);
  });

  it('never offers a learner’s own signature, which finality does not count', async () => {
    const { transport, relay: r } = relay('business-1');
    for (const block of chain(2)) await r.applied(block);
    r.reoffer('validator-1');
    r.resume(chain(2));
    expect(transport.cosigns()).toEqual([]);
  });

  it('offers nothing to an address that is not a member', async () => {
    const { transport, relay: r } = relay('validator-1');
    for (const block of chain(2)) await r.applied(block);
    transport.clear();
    r.reoffer('stranger');
    expect(transport.cosigns()).toEqual([]);
  });
});
