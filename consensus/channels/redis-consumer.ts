import { setTimeout as sleepMs } from 'node:timers/promises';
import type { ChainableCommander, Redis } from 'ioredis';
import { CATEGORIES, channelStreamKey, type Transaction } from '../../schemas/index.ts';
import { AppError } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/logger.ts';
import { waitForCommit } from '../node/commit-wait.ts';
import type { CommitResult, Consensus } from '../node/consensus.ts';
import type { ConsensusRepository } from '../storage/repository.ts';
import {
  parseAutoClaim,
  parseLastDeliveredId,
  parsePendingLowestId,
  parseReadGroup,
  redisErrorCode,
  trimPoint,
  type StreamEntry,
} from './stream-replies.ts';

/** Entries read per stream per round; five streams make at most five times this in one submission. */
export const CONSUMER_READ_ENTRIES_MAX = 100;
/** XREADGROUP waits this long for new entries before the loop looks at leadership and claims again. */
export const CONSUMER_BLOCK_MS = 1_000;
/** A follower looks this often whether it has become the leader. */
const LEADER_POLL_MS = 200;
/** How long one round waits for its attests to commit; past it the round is retried (attest is idempotent). */
const SUBMIT_WAIT_MS = 15_000;
/** XAUTOCLAIM pages per stream per claim pass: a bound on one pass, the rest waits for the next. */
const CLAIM_PAGES_MAX = 10;
const RETRY_MS_BASE = 200;
const RETRY_MS_MAX = 5_000;

export interface RedisChannelConsumerOptions {
  redis: Redis;
  consensus: Consensus;
  repository: Pick<ConsensusRepository, 'committedPlaces'>;
  streamPrefix: string;
  group: string;
  /** This node's name in the group; stable across restarts, so it finds its own unacknowledged entries again. */
  consumer: string;
  claimIdleMs: number;
  /** Failed rounds of its own an entry may have before it goes to the dead-letter stream. */
  maxDeliveries: number;
  /** The dead-letter stream is capped near this many entries (XADD MAXLEN ~). */
  deadLetterMax: number;
  logger: Logger;
}

/**
 * Only a failure the submission itself reports, and not as retryable, is held against the entries
 * submitted: 5xx (UNAVAILABLE when there is no leader, timeouts, a full mempool) and 429 say "try
 * again later", whatever the entries are.
 */
function isRetryable(err: unknown): boolean {
  return err instanceof AppError && (err.status >= 500 || err.status === 429);
}

/** A submission that failed for what was submitted, not for the state of the network. */
class SubmitRefused extends Error {}

export interface ConsumerCounters {
  acknowledged: number;
  deadLettered: number;
  claimed: number;
  failures: number;
}

/**
 * The leader validator's side of the Redis channels: reads the category streams in a consumer group,
 * proposes Attest transactions, and acknowledges (XACK) an entry only once its attest is committed
 * (or was committed before: a duplicate). What a crashed or deposed leader read but never
 * acknowledged is claimed again with XAUTOCLAIM after `claimIdleMs`; what this node itself read and
 * could not commit is read again from its own pending list first. So no event is lost, and the
 * ledger applies each once. Entries that can never commit (not an event, refused by the ledger, or
 * whose submission alone kept failing) move to the capped dead-letter stream instead of blocking the channel.
 */
export class RedisChannelConsumer {
  readonly counters: ConsumerCounters = { acknowledged: 0, deadLettered: 0, claimed: 0, failures: 0 };
  private readonly keys: string[];
  private readonly deadLetterKey: string;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;
  private groupsReady = false;
  private nextClaimAtMs = 0;
  /** Set after a batch's submission failed for its content: the pending entries are then submitted one at a time. */
  private isolating = false;
  /** Per entry ("<stream> <id>"), the rounds of this node in which its own submission failed for its content. */
  private readonly failedRounds = new Map<string, number>();

  constructor(private readonly options: RedisChannelConsumerOptions) {
    this.keys = CATEGORIES.map((c) => channelStreamKey(options.streamPrefix, c));
    this.deadLetterKey = `${options.streamPrefix}dead-letter`;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    // A blocked XREADGROUP returns within CONSUMER_BLOCK_MS; the round in flight finishes or fails, never half-acknowledges.
    await this.loop;
    this.options.redis.disconnect();
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (this.options.consensus.status().role !== 'leader') {
          await sleep(LEADER_POLL_MS, signal);
          continue;
        }
        await this.round();
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        failures += 1;
        this.counters.failures += 1;
        // The streams were deleted under us (an operator's reset): create the groups again.
        if (redisErrorCode(err) === 'NOGROUP') this.groupsReady = false;
        this.options.logger.warn({ err, failures }, 'channel consumer round failed; its entries stay pending and are read again');
        await sleep(Math.min(RETRY_MS_MAX, RETRY_MS_BASE * 2 ** Math.min(failures - 1, 10)), signal);
      }
    }
  }

  /** One round: claim stale entries now and then, then this node's own pending entries, else new ones. */
  private async round(): Promise<void> {
    await this.ensureGroups();
    if (Date.now() >= this.nextClaimAtMs) {
      await this.claimStale();
      await this.trim();
      this.nextClaimAtMs = Date.now() + Math.max(1, Math.floor(this.options.claimIdleMs / 2));
    }
    const own = await this.read('0', undefined);
    if (own.length > 0) return this.isolating ? this.commitEachAlone(own) : this.commitBatch(own);
    const fresh = await this.read('>', CONSUMER_BLOCK_MS);
    if (fresh.length > 0) await this.commitBatch(fresh);
  }

  private async commitBatch(entries: readonly StreamEntry[]): Promise<void> {
    try {
      await this.commitAndAcknowledge(entries);
    } catch (err) {
      // Which entry the submission failed for is unknown: the next round submits them one by one.
      if (err instanceof SubmitRefused) this.isolating = true;
      throw err;
    }
  }

  /**
   * Submits each pending entry alone, so one entry whose submission keeps failing cannot hold back
   * the others. Such an entry is dead-lettered once it failed in `maxDeliveries` rounds of this node.
   * Redis's own delivery count is not used for that bound: it rises on every read of the pending
   * list, including rounds that failed for want of a leader, for a storage or Redis blip, or because
   * of another entry in the same batch, so a long outage would dead-letter healthy events. Counted
   * here are only rounds that reached the submission of this entry alone and were refused for it
   * (never a retryable 5xx or 429); with the round's backoff the default bound of 10 spans about
   * half a minute of refusals. The count lives in this node: a new leader starts again at zero, which
   * costs a few more retries and never loses an event.
   */
  private async commitEachAlone(entries: readonly StreamEntry[]): Promise<void> {
    let refused = 0;
    for (const entry of entries) {
      try {
        await this.commitAndAcknowledge([entry]);
        this.failedRounds.delete(entryKey(entry));
      } catch (err) {
        if (!(err instanceof SubmitRefused)) throw err;
        const failures = (this.failedRounds.get(entryKey(entry)) ?? 0) + 1;
        if (failures < this.options.maxDeliveries) {
          this.failedRounds.set(entryKey(entry), failures);
          refused += 1;
          continue;
        }
        const cause = err.cause;
        const message = `submission failed in ${failures} rounds: ${cause instanceof Error ? cause.message : String(cause)}`;
        await this.deadLetterAlone(entry, cause instanceof AppError ? cause.code : 'DELIVERY_FAILED', message);
        this.failedRounds.delete(entryKey(entry));
      }
    }
    if (refused > 0) throw new AppError('UNAVAILABLE', `${refused} channel entries could not be submitted; they are submitted again`);
    this.isolating = false;
    this.failedRounds.clear();
  }

  private async deadLetterAlone(entry: StreamEntry, code: string, message: string): Promise<void> {
    const raw = entry.kind === 'event' ? JSON.stringify(entry.event) : entry.raw;
    const multi = this.options.redis.multi();
    this.deadLetter(multi, entry, { code, message, raw });
    multi.xack(entry.key, this.options.group, entry.id);
    await execOrThrow(multi);
    this.counters.acknowledged += 1;
    this.counters.deadLettered += 1;
  }

  private deadLetter(multi: ChainableCommander, entry: StreamEntry, refusal: { code: string; message: string; raw: string }): void {
    this.options.logger.error({ stream: entry.key, entryId: entry.id, code: refusal.code, reason: refusal.message }, 'channel entry cannot commit; moved to the dead-letter stream');
    // Capped, so a flood of bad entries cannot fill Redis; "~" lets Redis trim whole nodes, cheaply.
    multi.xadd(this.deadLetterKey, 'MAXLEN', '~', this.options.deadLetterMax, '*', 'stream', entry.key, 'entry', entry.id, 'code', refusal.code, 'message', refusal.message, 'raw', refusal.raw);
  }

  private async ensureGroups(): Promise<void> {
    if (this.groupsReady) return;
    for (const key of this.keys) {
      try {
        // From the stream's start ("0"), so events appended before any validator ran are consumed too.
        await this.options.redis.xgroup('CREATE', key, this.options.group, '0', 'MKSTREAM');
      } catch (err) {
        if (redisErrorCode(err) !== 'BUSYGROUP') throw err;
      }
    }
    this.groupsReady = true;
  }

  /** `from` "0": this consumer's pending entries (no blocking); ">": entries never delivered to the group. */
  private async read(from: '0' | '>', blockMs: number | undefined): Promise<StreamEntry[]> {
    const { redis, group, consumer } = this.options;
    const ids = this.keys.map(() => from);
    const reply =
      blockMs === undefined
        ? await redis.xreadgroup('GROUP', group, consumer, 'COUNT', CONSUMER_READ_ENTRIES_MAX, 'STREAMS', ...this.keys, ...ids)
        : await redis.xreadgroup('GROUP', group, consumer, 'COUNT', CONSUMER_READ_ENTRIES_MAX, 'BLOCK', blockMs, 'STREAMS', ...this.keys, ...ids);
    return parseReadGroup(reply);
  }

  /** Takes over entries other consumers (a crashed or deposed leader) left unacknowledged for claimIdleMs. */
  private async claimStale(): Promise<void> {
    const { redis, group, consumer, claimIdleMs } = this.options;
    for (const key of this.keys) {
      let cursor = '0-0';
      for (let page = 0; page < CLAIM_PAGES_MAX; page += 1) {
        const reply = parseAutoClaim(await redis.xautoclaim(key, group, consumer, claimIdleMs, cursor, 'COUNT', CONSUMER_READ_ENTRIES_MAX, 'JUSTID'));
        if (reply.claimed.length > 0) {
          this.counters.claimed += reply.claimed.length;
          this.options.logger.info({ stream: key, claimed: reply.claimed.length }, 'claimed channel entries left unacknowledged');
        }
        cursor = reply.cursor;
        if (cursor === '0-0') break;
      }
    }
  }

  /** Drops entries every consumer has acknowledged, so the streams stay bounded by what is in flight. */
  private async trim(): Promise<void> {
    const { redis, group } = this.options;
    for (const key of this.keys) {
      const point = trimPoint(parseLastDeliveredId(await redis.xinfo('GROUPS', key), group), parsePendingLowestId(await redis.xpending(key, group)));
      if (point !== null) await redis.xtrim(key, 'MINID', point);
    }
  }

  private async commitAndAcknowledge(entries: readonly StreamEntry[]): Promise<void> {
    const events = entries.flatMap((e) => (e.kind === 'event' ? [e] : []));
    // Redelivered entries already in a block are acknowledged without another proposal.
    const places = await this.options.repository.committedPlaces(events.map((e) => e.event.id));
    const fresh = events.filter((e) => !places.has(e.event.id));
    const txs: Transaction[] = fresh.map((e) => ({ type: 'attest', event: e.event }));
    const outcomes = txs.length === 0 ? [] : await this.submit(txs);
    const outcomeOf = new Map<StreamEntry, CommitResult>(fresh.map((e, i) => [e, outcomes[i]!]));

    const multi = this.options.redis.multi();
    let deadLettered = 0;
    for (const entry of entries) {
      const outcome = outcomeOf.get(entry);
      const refusal =
        entry.kind === 'invalid'
          ? { code: 'INVALID_ENTRY', message: entry.reason, raw: entry.raw }
          : outcome?.kind === 'rejected'
            ? { code: outcome.code, message: outcome.message, raw: JSON.stringify(entry.event) }
            : null;
      if (refusal !== null) {
        deadLettered += 1;
        this.deadLetter(multi, entry, refusal);
      }
      multi.xack(entry.key, this.options.group, entry.id);
    }
    await execOrThrow(multi);
    this.counters.acknowledged += entries.length;
    this.counters.deadLettered += deadLettered;
  }

  /** Submits and waits for the commit; a failure that is not retryable becomes a SubmitRefused. */
  private async submit(txs: readonly Transaction[]): Promise<CommitResult[]> {
    try {
      return await waitForCommit(this.options.consensus.submit(txs), SUBMIT_WAIT_MS, 1);
    } catch (err) {
      // Deposed meanwhile: whatever failed, it is not the entries' fault.
      if (isRetryable(err) || this.options.consensus.status().role !== 'leader') throw err;
      throw new SubmitRefused('the submission of channel entries failed', { cause: err });
    }
  }
}

const entryKey = (entry: StreamEntry): string => `${entry.key} ${entry.id}`;

async function execOrThrow(multi: ChainableCommander): Promise<void> {
  const results = await multi.exec();
  const failed = results?.find(([err]) => err !== null)?.[0];
  if (results === null || failed !== undefined) throw new AppError('UNAVAILABLE', 'acknowledging channel entries failed; they are read again', { cause: failed ?? undefined });
}

/** Resolves after `ms`, or at once when `signal` aborts (stop). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return sleepMs(ms, undefined, { signal }).catch(() => {});
}
