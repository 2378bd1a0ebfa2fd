import { hexToBytes } from '@noble/hashes/utils.js';
import type { Logger } from '../../runtime/logger.ts';
import { SignatureAlgorithm, type Block, type KeyedBlockSignature } from '../../schemas/index.ts';
import { coSignatureMessages } from '../chain/cosign.ts';
import { nodeIdOf, type NodeSigner } from '../crypto/signer.ts';
import type { ConsensusRepository } from '../storage/repository.ts';
import type { CoSignature, PeerTransport } from '../transport/types.ts';

/** Co-signatures held for blocks this node has not applied yet (it is behind); beyond it the oldest go. */
const EARLY_SIGNATURES_MAX = 4_096;
/**
 * This node's own signatures over its newest blocks, offered again to a member that comes back
 * (messages to a member that is down are dropped), so those blocks still become final there.
 */
export const COSIGN_REOFFER_BLOCKS = 128;

interface OwnSignature {
  block: { height: number; hash: string };
  signature: KeyedBlockSignature;
}

/**
 * Spreads this node's signature over every block it applied and collects the others': each member
 * signs only the hash its own re-execution produced, so a signature from another member is that
 * member's statement that it computed the same block, state root included. Signer keys are pinned
 * per member id on first sight (the transport already proved the sender is a cluster member).
 */
export class CosignRelay {
  /** Member id -> signer node id, pinned on first sight. */
  private readonly signerOf = new Map<string, string>();
  /** Member id -> its verified key, for status and for dApps checking signatures. */
  private readonly keyOf = new Map<string, { publicKey: string; algorithm: SignatureAlgorithm }>();
  private readonly early = new Map<number, { from: string; sig: KeyedBlockSignature; hash: string }[]>();
  private earlyCount = 0;
  /** Members some of our messages did not reach since we last offered them our signatures. */
  private readonly missed = new Set<string>();
  /** Own signatures of the newest blocks, oldest first, at most COSIGN_REOFFER_BLOCKS. */
  private readonly recentOwn: OwnSignature[] = [];
  /** Co-signatures naming a hash other than ours: a member that computed a different block. */
  mismatches = 0;

  constructor(
    private readonly selfId: string,
    private readonly signer: NodeSigner,
    private readonly repository: ConsensusRepository,
    private readonly transport: PeerTransport,
    private readonly logger: Logger,
    private readonly members: () => { readonly voters: readonly string[]; readonly learners: readonly string[] },
  ) {
    this.signerOf.set(selfId, signer.nodeId);
  }

  /** Signer node ids of the given members, as far as they are known. */
  signerIds(memberIds: readonly string[]): string[] {
    return memberIds.flatMap((id) => {
      const signer = this.signerOf.get(id);
      return signer === undefined ? [] : [signer];
    });
  }

  /** A member's verified key, once it co-signed a block. */
  keyOfMember(memberId: string): { publicKey: string; algorithm: SignatureAlgorithm } | undefined {
    return this.keyOf.get(memberId);
  }

  /**
   * On start: the own signatures of the newest stored blocks (oldest first) are sent once to every
   * member, since those sent before a crash may never have left; receivers skip what they hold.
   */
  resume(blocks: readonly Block[]): void {
    for (const block of blocks) this.remember(block);
    this.offer(this.otherMembers(), this.recentOwn);
  }

  /** Messages to a member were dropped (it is down, or its queue overflowed): it may lack some of our signatures. */
  unreachable(memberId: string): void {
    this.missed.add(memberId);
  }

  /**
   * A message arrived from a member. A follower sends another follower nothing but co-signatures,
   * so hearing from a member it could not reach is often its only sign that the member is back.
   */
  heardFrom(memberId: string): void {
    if (this.missed.has(memberId)) this.reoffer(memberId);
  }

  /** A member answers again after an outage: it missed what was sent meanwhile. */
  reoffer(memberId: string): void {
    this.missed.delete(memberId);
    if (this.otherMembers().includes(memberId)) this.offer([memberId], this.recentOwn);
  }

  /** After this node stored `block` (with its own signature): tell every other member, then file what arrived early. */
  async applied(block: Block): Promise<void> {
    const own = this.remember(block);
    if (own !== undefined) this.offer(this.otherMembers(), [own]);
    const waiting = this.early.get(block.header.height);
    if (waiting !== undefined) {
      this.early.delete(block.header.height);
      this.earlyCount -= waiting.length;
      for (const w of waiting) await this.file(w.from, block.header.height, w.hash, w.sig);
    }
  }

  /** Keeps this node's signature over `block` for re-offers; only voters' signatures make a block final, so a learner keeps none. */
  private remember(block: Block): OwnSignature | undefined {
    const sig = block.signatures.find((s) => s.signer === this.signer.nodeId);
    if (sig === undefined || !this.members().voters.includes(this.selfId)) return undefined;
    const own = { block: { height: block.header.height, hash: block.hash }, signature: { ...sig, publicKey: this.signer.publicKeyHex } };
    this.recentOwn.push(own);
    if (this.recentOwn.length > COSIGN_REOFFER_BLOCKS) this.recentOwn.shift();
    return own;
  }

  private otherMembers(): string[] {
    const { voters, learners } = this.members();
    return [...voters, ...learners].filter((id) => id !== this.selfId);
  }

  private offer(to: readonly string[], signatures: readonly OwnSignature[]): void {
    if (signatures.length === 0 || to.length === 0) return;
    this.transport.send(signatures.flatMap((own) => coSignatureMessages(own.signature, own.block, this.selfId, to)));
  }

  /** A co-signature from another member; storage verifies it, bad ones are dropped and logged, never stored. */
  async received(message: CoSignature, headHeight: number): Promise<void> {
    const algorithm = SignatureAlgorithm.safeParse(message.algorithm);
    if (!algorithm.success) return this.reject(message, 'unknown signature algorithm');
    let signerId: string;
    try {
      signerId = nodeIdOf(hexToBytes(message.publicKey));
    } catch {
      return this.reject(message, 'public key is not hex');
    }
    const pinned = this.signerOf.get(message.from);
    if (pinned !== undefined && pinned !== signerId) return this.reject(message, 'public key differs from the one this member used before');
    const sig: KeyedBlockSignature = { signer: signerId, algorithm: algorithm.data, publicKey: message.publicKey, signature: message.signature };
    if (message.height > headHeight) {
      if (this.earlyCount >= EARLY_SIGNATURES_MAX) this.dropOldestEarly();
      const list = this.early.get(message.height) ?? [];
      list.push({ from: message.from, sig, hash: message.hash });
      this.early.set(message.height, list);
      this.earlyCount++;
      return;
    }
    await this.file(message.from, message.height, message.hash, sig);
  }

  private async file(from: string, height: number, hash: string, sig: KeyedBlockSignature): Promise<void> {
    const result = await this.repository.addBlockSignatures(height, hash, [sig]);
    if (result.kind === 'hash_mismatch') {
      this.mismatches++;
      this.logger.error({ height, theirHash: hash, ourHash: result.storedHash, member: from }, 'a member signed a different block at this height: state diverged');
    } else if (result.kind === 'stored') {
      if (result.invalid.length > 0) this.logger.warn({ height, member: from, fault: result.invalid[0]!.fault }, 'co-signature dropped');
      else {
        this.signerOf.set(from, sig.signer);
        this.keyOf.set(from, { publicKey: sig.publicKey, algorithm: sig.algorithm });
      }
    }
    // block_missing: this node installed a snapshot past that height and keeps no such block.
  }

  private reject(message: CoSignature, reason: string): void {
    this.logger.warn({ from: message.from, height: message.height, reason }, 'co-signature dropped');
  }

  private dropOldestEarly(): void {
    const oldest = Math.min(...this.early.keys());
    this.earlyCount -= this.early.get(oldest)?.length ?? 0;
    this.early.delete(oldest);
  }
}
