import { createHash } from 'node:crypto';
import type { RatelimitConfig } from '@upstash/ratelimit';
import type { Redis } from 'ioredis';
import { AppError } from '../../runtime/errors.ts';

/** The Redis client type @upstash/ratelimit is written against (the @upstash/redis REST client). */
export type UpstashRedis = RatelimitConfig['redis'];

/** Script flags Redis 7.0 knows; newer ones (the library's `allow-key-locking`) make it refuse the script. */
const REDIS_70_SCRIPT_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);

/** The library ships a handful of scripts; anything beyond this is not the library's doing. */
const SCRIPTS_MAX = 64;

/**
 * The script with flags Redis 7.0 does not know dropped from its `#!lua flags=…` line: Redis 7.0
 * answers `ERR Unexpected flag in script shebang` to the whole script otherwise. Pure.
 */
export function rewriteScriptForRedis70(script: string): string {
  const newline = script.indexOf('\n');
  const first = newline === -1 ? script : script.slice(0, newline);
  const match = /^#!lua(?:\s+flags=(\S*))?\s*$/.exec(first);
  if (match === null) return script;
  const known = (match[1] ?? '').split(',').filter((f) => REDIS_70_SCRIPT_FLAGS.has(f));
  const shebang = known.length === 0 ? '#!lua' : `#!lua flags=${known.join(',')}`;
  return newline === -1 ? shebang : `${shebang}${script.slice(newline)}`;
}

const sha1Hex = (text: string) => createHash('sha1').update(text).digest('hex');

interface PreparedScript {
  /** As Redis runs it (rewritten), and its SHA1 for EVALSHA. */
  text: string;
  sha: string;
}

/**
 * @upstash/ratelimit over ioredis. The library calls `evalsha(hash, keys, args)` with hashes of
 * its own script texts and, on an error mentioning NOSCRIPT, `eval(script, keys, args)`; with
 * dynamic limits (not used here) also `get` and `set`. Scripts are rewritten for Redis 7.0 (see
 * rewriteScriptForRedis70), so the library's hashes never name a script Redis holds: the first
 * `evalsha` of a script answers NOSCRIPT, the library sends the text once, and from then on the
 * adapter maps the library's hash to the rewritten script and runs that by its own hash.
 * Redis errors (down, timeout) are thrown as they come: the caller decides to fail open or closed.
 */
export class IoRedisRatelimitAdapter implements UpstashRedis {
  private readonly scripts = new Map<string, PreparedScript>();

  constructor(private readonly redis: Redis) {}

  async evalsha<TArgs extends unknown[], TData = unknown>(sha1: string, keys: string[], args: TArgs): Promise<TData> {
    const prepared = this.scripts.get(sha1);
    // The library matches NOSCRIPT in the message and answers with EVAL and the text.
    if (prepared === undefined) throw new AppError('UNAVAILABLE', `NOSCRIPT ${sha1} has not been sent through this adapter yet`);
    return this.run<TData>(prepared, keys, args);
  }

  async eval<TArgs extends unknown[], TData = unknown>(script: string, keys: string[], args: TArgs): Promise<TData> {
    const libraryHash = sha1Hex(script);
    let prepared = this.scripts.get(libraryHash);
    if (prepared === undefined) {
      const text = rewriteScriptForRedis70(script);
      prepared = { text, sha: sha1Hex(text) };
      if (this.scripts.size < SCRIPTS_MAX) this.scripts.set(libraryHash, prepared);
    }
    return this.run<TData>(prepared, keys, args);
  }

  async get<TData>(key: string): Promise<TData | null> {
    const value = await this.redis.get(key);
    // Like @upstash/redis: values are stored as JSON and read back parsed.
    return value === null ? null : (parseStored(value) as TData);
  }

  async set<TData>(key: string, value: TData): Promise<'OK' | TData | null> {
    await this.redis.set(key, typeof value === 'string' ? value : JSON.stringify(value));
    return 'OK';
  }

  private async run<TData>(script: PreparedScript, keys: readonly string[], args: readonly unknown[]): Promise<TData> {
    const argv = args.map(toRedisArgument);
    try {
      // The library types the reply; what its scripts return (integer arrays) ioredis decodes as numbers.
      return (await this.redis.evalsha(script.sha, keys.length, ...keys, ...argv)) as TData;
    } catch (error) {
      // Redis restarted or flushed its script cache: send the text again (it is cached anew).
      if (!isNoScript(error)) throw error;
      return (await this.redis.eval(script.text, keys.length, ...keys, ...argv)) as TData;
    }
  }
}

const isNoScript = (error: unknown) => error instanceof Error && error.message.startsWith('NOSCRIPT');

function toRedisArgument(value: unknown): string | number {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (value === null || value === undefined) return '';
  return JSON.stringify(value);
}

function parseStored(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
