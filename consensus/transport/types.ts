import type { Message, NodeId } from '../raft/index.ts';

/**
 * A validator's signature over a block it applied itself: sent to every other member after apply,
 * so each node can count co-signatures and tell when a block is final (a majority of voters signed).
 */
export interface CoSignature {
  readonly type: 'cosign';
  readonly from: NodeId;
  readonly to: NodeId;
  readonly height: number;
  /** Hex block hash the signer computed when it re-executed the block. */
  readonly hash: string;
  readonly algorithm: string;
  /** Hex public key of `from`, pinned by the receiver on first sight. */
  readonly publicKey: string;
  /** Hex signature over the block hash. */
  readonly signature: string;
}

/** Everything members of one cluster send each other: Raft traffic and block co-signatures. */
export type PeerMessage = Message | CoSignature;

/** Hands received messages to the node; `from` is the authenticated sender. */
export type PeerMessageHandler = (from: NodeId, messages: readonly PeerMessage[]) => void;

/**
 * How a node reaches its peers. send() never blocks and never throws: Raft tolerates loss, so a peer
 * that is down costs dropped messages, reported through onUnreachable so the core can slow down.
 */
export interface PeerTransport {
  send(messages: readonly PeerMessage[]): void;
  /** Membership changes add and remove peers while running. */
  setPeer(id: NodeId, url: string): void;
  removePeer(id: NodeId): void;
  close(): Promise<void>;
}
