import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ANNOUNCE_TTL_MS_MAX, ANNOUNCED_NODES_MAX, AnnouncedNode, NodeAnnouncement } from '../../schemas/index.ts';
import type { AnnouncementDirectory } from './directory.ts';

/**
 * Renews one announcement. Expiry is reckoned by Redis's own clock (TIME), so the clocks of the
 * announcing node and the reading gateway never have to agree. Both keys expire when every node
 * of the namespace has stopped announcing for a while, so an abandoned namespace leaves nothing.
 */
const ANNOUNCE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1`;

/** Drops expired announcements, then returns the live ones as [expiry ms, JSON, ...], at most ARGV[1] of each. */
const LIVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
if #expired > 0 then
  redis.call('ZREM', KEYS[1], unpack(expired))
  redis.call('HDEL', KEYS[2], unpack(expired))
end
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[1]))
local out = {}
for i = 1, #live, 2 do
  out[#out + 1] = live[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], live[i]) or ''
end
return out`;

/** Namespace keys outlive their last renewal by this much. */
const NAMESPACE_IDLE_MS = 2 * ANNOUNCE_TTL_MS_MAX;

const LiveReply = z.array(z.string()).max(2 * ANNOUNCED_NODES_MAX);
const StoredNode = NodeAnnouncement.omit({ ttlMs: true });

/** Announcements in Redis: a sorted set of node ids scored by expiry, and a hash of what each node said. */
export class RedisDirectory implements AnnouncementDirectory {
  readonly kind = 'redis';
  private readonly expiryKey: string;
  private readonly nodesKey: string;

  constructor(
    private readonly redis: Redis,
    /** Keeps networks sharing one Redis apart. */
    namespace: string,
    private readonly closeConnection = true,
  ) {
    // One hash tag, so both keys land on one slot of a Redis cluster and the scripts may touch both.
    this.expiryKey = `announce:{${namespace}}:expiry`;
    this.nodesKey = `announce:{${namespace}}:nodes`;
  }

  async announce(announcement: NodeAnnouncement): Promise<void> {
    const { ttlMs, ...node } = NodeAnnouncement.parse(announcement);
    await this.redis.eval(ANNOUNCE_SCRIPT, 2, this.expiryKey, this.nodesKey, node.nodeId, String(ttlMs), JSON.stringify(node), String(NAMESPACE_IDLE_MS));
  }

  async withdraw(nodeId: string): Promise<void> {
    await this.redis.multi().zrem(this.expiryKey, nodeId).hdel(this.nodesKey, nodeId).exec();
  }

  async live(): Promise<AnnouncedNode[]> {
    const reply = LiveReply.parse(await this.redis.eval(LIVE_SCRIPT, 2, this.expiryKey, this.nodesKey, String(ANNOUNCED_NODES_MAX)));
    const nodes: AnnouncedNode[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const stored = parseStored(reply[i + 1] ?? '');
      // A hash entry lost to a race with a withdrawal, or written by a foreign version: skipped, not fatal.
      if (stored === null) continue;
      nodes.push(AnnouncedNode.parse({ ...stored, expiresAt: new Date(Number(reply[i])).toISOString() }));
    }
    return nodes;
  }

  async close(): Promise<void> {
    if (this.closeConnection) this.redis.disconnect();
  }
}

function parseStored(text: string): z.infer<typeof StoredNode> | null {
  if (text === '') return null;
  try {
    const parsed = StoredNode.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
