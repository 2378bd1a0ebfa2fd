import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/** Connection errors logged per outage: ioredis reports every failed reconnect, and the first few say why. */
const CONNECTION_ERRORS_LOGGED_MAX = 3;

/**
 * A Redis connection for state that has a fallback (rate limits, cache tiers): a command fails at
 * once while disconnected instead of queueing without bound, and fails after `commandTimeoutMs`
 * when Redis is slow, so the caller's fallback answers; ioredis keeps reconnecting, so the shared
 * state comes back by itself. `purpose` names the user in the log ("gateway rate limits").
 */
export function connectFailFastRedis(url: string, options: { commandTimeoutMs: number; purpose: string; logger?: Logger | undefined }): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, commandTimeout: options.commandTimeoutMs, maxRetriesPerRequest: 1 });
  let errorsLogged = 0;
  redis.on('error', (err: unknown) => {
    errorsLogged += 1;
    if (errorsLogged <= CONNECTION_ERRORS_LOGGED_MAX) options.logger?.warn({ err }, `redis connection error (${options.purpose})`);
  });
  redis.on('ready', () => {
    errorsLogged = 0;
  });
  return redis;
}

/** Resolves when connected or after `waitMs`, whichever comes first: a Redis down at start-up must not stop the process. */
export function redisReadyOrTimeout(redis: Redis, waitMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, waitMs);
    redis.once('ready', done);
  });
}
