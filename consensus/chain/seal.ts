import type { Block, BlockHeader } from '../../schemas/index.ts';
import type { NodeSigner } from '../crypto/signer.ts';
import { EMPTY_ROOT, merkleRoot } from '../crypto/merkle.ts';
import { EMPTY_STATE_ROOT } from '../ledger/index.ts';
import { invariant } from '../invariant.ts';
import { blockHashOf, ZERO_HASH } from './hashing.ts';

export interface SealInput {
  chainId: string;
  prev: Block;
  txHashes: readonly string[];
  stateRoot: string;
  /** The proposer's clock; never earlier than the previous block's. */
  timestamp: string;
  /** Null: the block is sealed unsigned (a learner re-executes every block but its signature counts for nothing). */
  signer: NodeSigner | null;
  /**
   * Signer node id of the proposer; default the signer. In a cluster every node seals the block a
   * committed entry describes, naming the leader that proposed it, and signs it with its own key.
   */
  proposer?: string;
}

/** Header, hash and the sealing node's one signature over the block hash. */
export function sealBlock(input: SealInput): Block {
  const { prev, signer } = input;
  invariant(blockHashOf(prev.header) === prev.hash, 'previous block hash does not match its header', { height: prev.header.height });
  invariant(prev.header.chainId === input.chainId, 'previous block belongs to another chain', { chainId: prev.header.chainId });
  const proposer = input.proposer ?? signer?.nodeId;
  invariant(proposer !== undefined, 'an unsigned block needs its proposer named');
  const header: BlockHeader = {
    chainId: input.chainId,
    height: prev.header.height + 1,
    prevHash: prev.hash,
    txRoot: merkleRoot(input.txHashes),
    stateRoot: input.stateRoot,
    proposer,
    timestamp: laterOf(input.timestamp, prev.header.timestamp),
    txCount: input.txHashes.length,
  };
  return sign(header, [...input.txHashes], signer);
}

/**
 * Height 0: no transactions, the empty state, prevHash all zeros. A cluster's members must agree on
 * it, so there the proposer and timestamp are fixed (see replicated/genesis.ts), not the node's own.
 */
export function genesisBlock(chainId: string, timestamp: string, signer: NodeSigner, proposer: string = signer.nodeId): Block {
  const header: BlockHeader = {
    chainId,
    height: 0,
    prevHash: ZERO_HASH,
    txRoot: EMPTY_ROOT,
    stateRoot: EMPTY_STATE_ROOT,
    proposer,
    timestamp,
    txCount: 0,
  };
  return sign(header, [], signer);
}

function sign(header: BlockHeader, txHashes: string[], signer: NodeSigner | null): Block {
  const hash = blockHashOf(header);
  const signatures = signer === null ? [] : [{ signer: signer.nodeId, algorithm: signer.algorithm, signature: signer.signBlockHash(hash) }];
  return { hash, header, signatures, txHashes };
}

/** A clock that steps back must not make a block older than its parent. */
function laterOf(a: string, b: string): string {
  const aMs = Date.parse(a);
  const bMs = Date.parse(b);
  invariant(Number.isFinite(aMs) && Number.isFinite(bMs), 'block timestamps must be valid', { a, b });
  return aMs >= bMs ? a : b;
}
