import { z } from 'zod';
import { Category, Identifier, IsoTimestamp } from './common.ts';
import { Observation } from './observation.ts';
import { Decision, QualityThresholds, QualityWeights } from './quality.ts';

/** Open-Meteo `current` variables this adapter understands, and the one the feed attests. */
export const OPEN_METEO_VARIABLES = [
  'temperature_2m',
  'relative_humidity_2m',
  'wind_speed_10m',
  'precipitation',
  'surface_pressure',
] as const;

export const OpenMeteoSource = z.object({
  adapter: z.literal('open-meteo'),
  params: z.object({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    timezone: z.string().min(1).max(64).default('UTC'),
    /** Which variable becomes the observation's `value`. */
    metric: z.enum(OPEN_METEO_VARIABLES).default('temperature_2m'),
    /** Defaults to the public API; a provider may point at a mirror. */
    baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.open-meteo.com'),
  }),
});

/** Push mode: devices (or their provider) submit readings; nothing is fetched. */
export const PushSource = z.object({
  adapter: z.literal('push'),
  params: z.object({
    deviceId: z.string().min(1).max(128),
    metric: z.string().min(1).max(64),
    unit: z.string().min(1).max(32),
  }),
});

export const FeedSource = z.discriminatedUnion('adapter', [OpenMeteoSource, PushSource]);
export type FeedSource = z.infer<typeof FeedSource>;

/** Which category each adapter produces: a feed's category must match its source. */
export const ADAPTER_CATEGORY: Record<FeedSource['adapter'], Category> = {
  'open-meteo': 'weather',
  push: 'iot',
};

export const FeedSchedule = z.object({
  intervalMs: z.number().int().min(1_000).max(86_400_000),
});

export const NumericRange = z
  .object({ min: z.number(), max: z.number() })
  .refine((r) => r.min <= r.max, { message: 'min must not exceed max' });

export const FeedQualityConfig = z.object({
  weights: QualityWeights.optional(),
  thresholds: QualityThresholds.optional(),
  /** Plausible bounds of `value`; the category default applies when absent. */
  range: NumericRange.optional(),
});
export type FeedQualityConfig = z.infer<typeof FeedQualityConfig>;

export const FeedRegistration = z
  .object({
    name: z.string().min(1).max(200),
    category: Category,
    assetId: Identifier,
    source: FeedSource,
    schedule: FeedSchedule.default({ intervalMs: 60_000 }),
    quality: FeedQualityConfig.default({}),
  })
  .refine((f) => ADAPTER_CATEGORY[f.source.adapter] === f.category, {
    path: ['category'],
    message: 'category does not match the source adapter (open-meteo → weather, push → iot)',
  });
export type FeedRegistration = z.infer<typeof FeedRegistration>;

export const FeedPatch = z
  .object({
    status: z.enum(['active', 'paused']).optional(),
    schedule: FeedSchedule.optional(),
    quality: FeedQualityConfig.optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'nothing to change: give status, schedule or quality' });
export type FeedPatch = z.infer<typeof FeedPatch>;

export const FeedStatus = z.enum(['active', 'paused']);

export const FeedStats = z.object({
  accepted: z.number().int(),
  review: z.number().int(),
  rejected: z.number().int(),
  fetchErrors: z.number().int(),
  lastScore: z.number().nullable(),
  lastError: z.string().nullable(),
});

export const Feed = z.object({
  id: Identifier,
  ownerKeyId: z.string(),
  name: z.string(),
  category: Category,
  assetId: Identifier,
  source: FeedSource,
  schedule: FeedSchedule,
  quality: FeedQualityConfig,
  status: FeedStatus,
  createdAt: IsoTimestamp,
  updatedAt: IsoTimestamp,
  lastObservation: Observation.nullable(),
  lastDecision: Decision.nullable(),
  stats: FeedStats,
});
export type Feed = z.infer<typeof Feed>;

/** The registration answer: for push feeds the signing secret is shown once, here. */
export const FeedCreated = Feed.extend({ pushSecret: z.string().optional() });
export type FeedCreated = z.infer<typeof FeedCreated>;

/** One IoT reading pushed to `POST /external/feeds/:id/observations`. */
export const PushReading = z.object({
  observedAt: IsoTimestamp,
  value: z.number().refine(Number.isFinite, 'must be a finite number'),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  /** HMAC-SHA256 (hex) with the feed's push secret over `${feedId}|${observedAt}|${value}`. */
  signature: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type PushReading = z.infer<typeof PushReading>;

export const PushBody = z.object({ readings: z.array(PushReading).min(1).max(100) });
export type PushBody = z.infer<typeof PushBody>;

/** The exact bytes a device signs (HMAC-SHA256 with the feed's push secret) for one reading. */
export const pushSignaturePayload = (feedId: string, observedAt: string, value: number): string => `${feedId}|${observedAt}|${value}`;
