import { z } from 'zod';
import { UpstreamPool } from './api.ts';
import { IsoTimestamp } from './common.ts';

/** Bounds on what a node may claim: a weight beyond this would starve the rest of its pool. */
export const ANNOUNCE_WEIGHT_MAX = 100;
/** An announcement lives at least a second (one missed heartbeat is no departure) and at most a minute. */
export const ANNOUNCE_TTL_MS_MIN = 1_000;
export const ANNOUNCE_TTL_MS_MAX = 60_000;
/** Live announcements one directory read returns at most: a bound on a pool's size, far above any real one. */
export const ANNOUNCED_NODES_MAX = 1_000;

/** A node's stable name in the directory; its announcements replace each other. */
export const NodeId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/, 'letters, digits and . _ : @ / - only, starting with a letter or digit');
export type NodeId = z.infer<typeof NodeId>;

/** What a node says about itself in each heartbeat: which pool it serves, where, how much, and for how long. */
export const NodeAnnouncement = z
  .object({
    nodeId: NodeId,
    pool: UpstreamPool,
    /** Base URL the gateway forwards to, e.g. `http://10.0.0.7:9003`. */
    url: z.url({ protocol: /^https?$/ }).max(512),
    weight: z.number().int().min(1).max(ANNOUNCE_WEIGHT_MAX),
    /** The announcement expires this long after the directory received it, unless renewed. */
    ttlMs: z.number().int().min(ANNOUNCE_TTL_MS_MIN).max(ANNOUNCE_TTL_MS_MAX),
  })
  .strict();
export type NodeAnnouncement = z.infer<typeof NodeAnnouncement>;

/** A live announcement as a directory holds it: the expiry replaces the TTL. */
export const AnnouncedNode = NodeAnnouncement.omit({ ttlMs: true }).extend({ expiresAt: IsoTimestamp });
export type AnnouncedNode = z.infer<typeof AnnouncedNode>;

export const AnnouncedNodes = z.array(AnnouncedNode).max(ANNOUNCED_NODES_MAX);
