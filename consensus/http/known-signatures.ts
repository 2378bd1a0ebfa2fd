import type { Block, ConsensusMember } from '../../schemas/index.ts';
import { knownSignatures, type MaybeKeyedSignature } from '../chain/cosign.ts';
import type { ValidatorHttpDeps } from './deps.ts';

/** The public key of each member whose node id and key this node knows, by node id. */
export function memberKeyOf(members: readonly ConsensusMember[]): (nodeId: string) => string | undefined {
  const keys = new Map(members.flatMap((m) => (m.nodeId !== undefined && m.publicKey !== undefined ? [[m.nodeId, m.publicKey] as const] : [])));
  return (nodeId) => keys.get(nodeId);
}

/**
 * A stored block with every signature this node knows (its own and the co-signatures it received),
 * so a dApp can count the quorum from one answer.
 */
export async function withKnownSignatures(deps: ValidatorHttpDeps, block: Block): Promise<Block & { signatures: MaybeKeyedSignature[] }> {
  const coSignatures = await deps.repository.blockSignatures(block.header.height);
  return { ...block, signatures: knownSignatures(block.signatures, coSignatures, memberKeyOf(deps.consensus.status().members)) };
}
