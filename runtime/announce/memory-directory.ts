import { ANNOUNCED_NODES_MAX, NodeAnnouncement, type AnnouncedNode } from '../../schemas/index.ts';
import { AppError } from '../errors.ts';
import type { AnnouncementDirectory } from './directory.ts';

interface Entry {
  announcement: NodeAnnouncement;
  expiresAtMs: number;
}

/**
 * The embedded directory: the gateway keeps it in process, and nodes reach it over the gateway's
 * cluster-only route (http-directory.ts), since embedded nodes share no storage.
 */
export class InProcessDirectory implements AnnouncementDirectory {
  readonly kind = 'embedded';
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  announce(input: NodeAnnouncement): Promise<void> {
    const parsed = NodeAnnouncement.safeParse(input);
    if (!parsed.success) return Promise.reject(parsed.error);
    const announcement = parsed.data;
    const nowMs = this.nowMs();
    if (!this.entries.has(announcement.nodeId)) {
      this.prune(nowMs);
      if (this.entries.size >= ANNOUNCED_NODES_MAX) {
        return Promise.reject(new AppError('UNAVAILABLE', `the directory holds ${ANNOUNCED_NODES_MAX} nodes already`, { retryAfterS: 5 }));
      }
    }
    this.entries.set(announcement.nodeId, { announcement, expiresAtMs: nowMs + announcement.ttlMs });
    return Promise.resolve();
  }

  withdraw(nodeId: string): Promise<void> {
    this.entries.delete(nodeId);
    return Promise.resolve();
  }

  live(): Promise<AnnouncedNode[]> {
    this.prune(this.nowMs());
    return Promise.resolve(
      [...this.entries.values()].map(({ announcement: { ttlMs: _ttlMs, ...node }, expiresAtMs }) => ({ ...node, expiresAt: new Date(expiresAtMs).toISOString() })),
    );
  }

  close(): Promise<void> {
    this.entries.clear();
    return Promise.resolve();
  }

  private prune(nowMs: number): void {
    for (const [id, entry] of this.entries) if (entry.expiresAtMs <= nowMs) this.entries.delete(id);
  }
}
