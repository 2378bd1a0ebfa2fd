import { connectFailFastRedis } from '../../runtime/redis.ts';
import type { Config } from '../../runtime/config.ts';
import type { Logger } from '../../runtime/logger.ts';
import { channelBackendOf } from '../../schemas/index.ts';
import type { Consensus } from '../node/consensus.ts';
import type { ConsensusRepository } from '../storage/repository.ts';
import { CONSUMER_BLOCK_MS, RedisChannelConsumer } from './redis-consumer.ts';

export { RedisChannelConsumer } from './redis-consumer.ts';

/** Commands other than the blocking read answer fast; the blocking read is allowed its BLOCK time on top. */
const REDIS_COMMAND_TIMEOUT_MS = CONSUMER_BLOCK_MS + 5_000;

/**
 * Validators and business nodes consume the Redis channels when that backend is configured (only
 * while leading: the others wait). With the HTTP backend the slim workers push to
 * /internal/channel-events instead, and there is nothing to start.
 */
export function startChannelConsumer(
  config: Config,
  deps: { consensus: Consensus; repository: ConsensusRepository; consumer: string; logger: Logger },
): RedisChannelConsumer | undefined {
  if (channelBackendOf(config) !== 'redis') return undefined;
  const logger = deps.logger.child({ part: 'channel-consumer' });
  const redis = connectFailFastRedis(config.REDIS_URL!, { commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS, purpose: 'tokenization channels', logger });
  const consumer = new RedisChannelConsumer({
    redis,
    consensus: deps.consensus,
    repository: deps.repository,
    streamPrefix: config.CHANNEL_STREAM_PREFIX,
    group: config.CHANNEL_CONSUMER_GROUP,
    consumer: deps.consumer,
    claimIdleMs: config.CHANNEL_CLAIM_IDLE_MS,
    maxDeliveries: config.CHANNEL_MAX_DELIVERIES,
    deadLetterMax: config.CHANNEL_DEAD_LETTER_MAX,
    logger,
  });
  consumer.start();
  return consumer;
}
