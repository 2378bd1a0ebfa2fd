import { and, eq, gt, lte, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { nodeAnnouncements } from '../../db/schema/cluster.ts';
import { ANNOUNCED_NODES_MAX, AnnouncedNode, NodeAnnouncement } from '../../schemas/index.ts';
import type { AnnouncementDirectory } from './directory.ts';

/**
 * Announcements in the network's shared Postgres (the `cluster` part's `node_announcements`).
 * Expiry is reckoned by the database's clock (`now()`), so node and gateway clocks need not agree.
 * Also runs on PGlite, which is how the contract suite holds it to the contract without a server.
 */
export class PostgresDirectory implements AnnouncementDirectory {
  readonly kind = 'postgres';

  constructor(
    private readonly db: Database,
    /** Keeps networks sharing one database apart. */
    private readonly namespace: string,
    /** Closes the connection, when the directory owns it. */
    private readonly onClose: () => Promise<void> = () => Promise.resolve(),
  ) {}

  async announce(announcement: NodeAnnouncement): Promise<void> {
    const { nodeId, pool, url, weight, ttlMs } = NodeAnnouncement.parse(announcement);
    const expiresAt = sql`now() + ${ttlMs} * interval '1 millisecond'`;
    await this.db
      .insert(nodeAnnouncements)
      .values({ namespace: this.namespace, nodeId, pool, url, weight, expiresAt })
      .onConflictDoUpdate({ target: [nodeAnnouncements.namespace, nodeAnnouncements.nodeId], set: { pool, url, weight, expiresAt } });
  }

  async withdraw(nodeId: string): Promise<void> {
    await this.db.delete(nodeAnnouncements).where(and(eq(nodeAnnouncements.namespace, this.namespace), eq(nodeAnnouncements.nodeId, nodeId)));
  }

  async live(): Promise<AnnouncedNode[]> {
    const ours = eq(nodeAnnouncements.namespace, this.namespace);
    await this.db.delete(nodeAnnouncements).where(and(ours, lte(nodeAnnouncements.expiresAt, sql`now()`)));
    const rows = await this.db
      .select()
      .from(nodeAnnouncements)
      .where(and(ours, gt(nodeAnnouncements.expiresAt, sql`now()`)))
      .orderBy(nodeAnnouncements.nodeId)
      .limit(ANNOUNCED_NODES_MAX);
    return rows.map((r) => AnnouncedNode.parse({ nodeId: r.nodeId, pool: r.pool, url: r.url, weight: r.weight, expiresAt: r.expiresAt.toISOString() }));
  }

  close(): Promise<void> {
    return this.onClose();
  }
}
