import type { AnnouncedNode, NodeAnnouncement } from '../../schemas/index.ts';

/** Where the directory lives: chosen once at start-up from REDIS_URL, DATABASE_URL, or neither. */
export type DirectoryKind = 'redis' | 'postgres' | 'embedded';

/**
 * The announcement directory: nodes put heartbeats in, the gateway reads the live set out.
 * One contract for every backend (tests/runtime/announce/directory-contract.ts): an announcement
 * is live until its TTL runs out or it is withdrawn, a newer one from the same node replaces it,
 * and what comes back is validated.
 */
export interface AnnouncementDirectory {
  readonly kind: DirectoryKind;
  /** Puts or renews the node's announcement; it expires `ttlMs` after the directory received it. */
  announce(announcement: NodeAnnouncement): Promise<void>;
  /** Removes the node's announcement now (graceful shutdown); unknown ids are not an error. */
  withdraw(nodeId: string): Promise<void>;
  /** The announcements not yet expired, at most ANNOUNCED_NODES_MAX. */
  live(): Promise<AnnouncedNode[]>;
  close(): Promise<void>;
}
