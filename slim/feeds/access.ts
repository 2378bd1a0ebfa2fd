import type { Principal } from '../../runtime/cluster-auth.ts';
import { AppError } from '../../runtime/errors.ts';
import type { FeedRecord } from '../storage/index.ts';

/** Roles that see every feed; providers see their own. A bare node call (no principal) is the cluster itself. */
const SEE_ALL = new Set<Principal['role']>(['admin', 'operator', 'node']);
/** Roles that may change any feed; operators only read. */
const CHANGE_ALL = new Set<Principal['role']>(['admin', 'node']);

export const canSeeAll = (p: Principal): boolean => SEE_ALL.has(p.role);

export const isOwner = (p: Principal, feed: FeedRecord): boolean => feed.ownerKeyId === p.id;

/** Someone else's feed is "not found": the answer must not tell whether the id exists. */
export function assertVisible(p: Principal, feed: FeedRecord | null, id: string): FeedRecord {
  if (feed === null || !(canSeeAll(p) || isOwner(p, feed))) throw new AppError('FEED_NOT_FOUND', `no feed ${id}`);
  return feed;
}

export function assertChangeable(p: Principal, feed: FeedRecord | null, id: string): FeedRecord {
  const visible = assertVisible(p, feed, id);
  if (!(CHANGE_ALL.has(p.role) || isOwner(p, visible))) throw new AppError('FORBIDDEN', `feed ${id} is read-only for ${p.role}`);
  return visible;
}
