import { z } from 'zod';
import { Category, Decision, FeedQualityConfig, FeedSchedule, FeedSource, Observation, type Feed, type FeedScheduleState } from '../../schemas/index.ts';
import { isUsEquitySessionOpen } from '../scheduler/market-hours.ts';
import type { feeds } from '../../db/schema/slim.ts';

/** A feed as the worker uses it: the public `Feed`'s fields, with dates as dates and counters by name. */
export interface FeedRecord {
  id: string;
  ownerKeyId: string;
  name: string;
  category: Category;
  assetId: string;
  source: FeedSource;
  schedule: z.infer<typeof FeedSchedule>;
  quality: FeedQualityConfig;
  status: 'active' | 'paused';
  acceptedCount: number;
  reviewCount: number;
  rejectedCount: number;
  fetchErrorCount: number;
  skippedCount: number;
  lastScore: number | null;
  lastDecision: Decision | null;
  lastError: string | null;
  lastObservation: Observation | null;
  createdAt: Date;
  updatedAt: Date;
}

const FeedColumns = z.object({
  category: Category,
  source: FeedSource,
  schedule: FeedSchedule,
  quality: FeedQualityConfig,
  status: z.enum(['active', 'paused']),
  lastDecision: Decision.nullable(),
  lastObservation: Observation.nullable(),
});

/**
 * Rows are parsed, not cast: jsonb columns hold whatever an older version wrote, and a
 * malformed row should fail loudly here rather than deep inside the quality chain.
 */
export function feedRecordOf(row: typeof feeds.$inferSelect): FeedRecord {
  const parsed = FeedColumns.parse({
    category: row.category,
    source: row.source,
    schedule: row.schedule,
    quality: row.quality,
    status: row.status,
    lastDecision: row.lastDecision,
    lastObservation: row.lastObservation,
  });
  // push_secret stays in the table (no migration drops it) but is no longer used: devices hold the keys now.
  const { pushSecret: _unused, ...rest } = row;
  return { ...rest, ...parsed };
}

/** Paused, or a market feed outside the US equity session (not stale, not an error), or running. */
export function scheduleStateOf(record: Pick<FeedRecord, 'status' | 'category'>, now: Date): FeedScheduleState {
  if (record.status === 'paused') return 'paused';
  if (record.category === 'market' && !isUsEquitySessionOpen(now)) return 'market_closed';
  return 'running';
}

/** The public view of a feed. With `now`, it also says whether its schedule runs. */
export function feedView(record: FeedRecord, now?: Date): Feed {
  const view: Feed = {
    id: record.id,
    ownerKeyId: record.ownerKeyId,
    name: record.name,
    category: record.category,
    assetId: record.assetId,
    source: record.source,
    schedule: record.schedule,
    quality: record.quality,
    status: record.status,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    lastObservation: record.lastObservation,
    lastDecision: record.lastDecision,
    stats: {
      accepted: record.acceptedCount,
      review: record.reviewCount,
      rejected: record.rejectedCount,
      fetchErrors: record.fetchErrorCount,
      skipped: record.skippedCount,
      lastScore: record.lastScore,
      lastError: record.lastError,
    },
  };
  if (now !== undefined) view.scheduleState = scheduleStateOf(record, now);
  return view;
}
