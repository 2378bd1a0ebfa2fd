import { connectFailFastRedis } from '../../runtime/redis.ts';
import type { Config } from '../../runtime/config.ts';
import type { Logger } from '../../runtime/logger.ts';
import { channelBackendOf } from '../../schemas/index.ts';
import { HttpChannelTransport } from './http-transport.ts';
import { RedisStreamChannelTransport } from './redis-transport.ts';
import type { ChannelTransport } from './transport.ts';

/** A command to Redis fails after this long, so the publisher backs off and retries from the outbox. */
const REDIS_COMMAND_TIMEOUT_MS = 5_000;

/** The channel backend chosen by configuration: Redis Streams, or HTTP to the validators (embedded). */
export function createChannelTransport(config: Config, logger: Logger): ChannelTransport {
  if (channelBackendOf(config) === 'redis') {
    const redis = connectFailFastRedis(config.REDIS_URL!, { commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS, purpose: 'tokenization channels', logger });
    return new RedisStreamChannelTransport({ redis, streamPrefix: config.CHANNEL_STREAM_PREFIX });
  }
  return new HttpChannelTransport({ validatorUrls: config.VALIDATOR_URLS, clusterSecret: config.CLUSTER_SECRET });
}
