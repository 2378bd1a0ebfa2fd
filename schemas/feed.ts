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

/**
 * Push mode: devices (or their provider) submit readings; nothing is fetched. `deviceId` names a
 * device registered with `POST /external/devices` by the same provider: its key verifies the readings.
 */
export const PushSource = z.object({
  adapter: z.literal('push'),
  params: z.object({
    deviceId: Identifier,
    metric: z.string().min(1).max(64),
    unit: z.string().min(1).max(32),
  }),
});

export const ALPACA_METRICS = ['trade_price', 'bar_close', 'bar_vwap'] as const;

/**
 * Alpaca Market Data v2, US stocks: the latest trade or one-minute bar (the value) and the latest quote (bid/ask).
 * Needs the operator's Alpaca key pair (ALPACA_KEY_ID, ALPACA_SECRET_KEY): never a feed param,
 * since feed params are returned by GET.
 */
export const AlpacaStockSource = z.object({
  adapter: z.literal('alpaca-stocks'),
  params: z.object({
    /** Alpaca's stock symbols: upper-case letters, with a dot before a share class (BRK.B). */
    symbol: z.string().regex(/^[A-Z]{1,6}(\.[A-Z]{1,2})?$/, 'an upper-case stock symbol such as AAPL or BRK.B'),
    /** Which data feed: `iex` is in every plan, `sip` (all US exchanges) needs a subscription. */
    feed: z.enum(['iex', 'sip', 'delayed_sip', 'otc']).default('iex'),
    /**
     * The attested quantity: the latest trade's price, or the close or volume-weighted average
     * price of the latest one-minute bar (steadier than a single print for thin symbols).
     */
    metric: z.enum(ALPACA_METRICS).default('trade_price'),
    baseUrl: z.url({ protocol: /^https?$/ }).default('https://data.alpaca.markets'),
  }),
});

/** RentCast AVM: the automated valuation of one US property. Needs the operator's RENTCAST_API_KEY. */
export const RentCastAvmSource = z.object({
  adapter: z.literal('rentcast-avm'),
  params: z.object({
    /** The full address, "Street, City, State, Zip", as RentCast documents it. */
    address: z.string().trim().min(1, 'an address is required').max(256),
    propertyType: z.enum(['Single Family', 'Condo', 'Townhouse', 'Manufactured', 'Multi-Family', 'Apartment', 'Land']).optional(),
    /** How many comparables RentCast weighs (its documented bounds; 15 when absent). */
    compCount: z.number().int().min(5).max(25).optional(),
    metric: z.literal('avm_value').default('avm_value'),
    baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.rentcast.io'),
  }),
});

/** National Grid ESO's Carbon Intensity API (GB): the current half-hour's national intensity. No key. */
export const CarbonIntensitySource = z.object({
  adapter: z.literal('carbon-intensity-uk'),
  params: z.object({
    metric: z.literal('intensity').default('intensity'),
    baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.carbonintensity.org.uk'),
  }),
});

/**
 * Price of a tokenized carbon credit (one token = one tonne CO2e) from CoinGecko's public
 * `/api/v3/simple/price`. No key on the public API.
 */
export const CoinGeckoCarbonSource = z.object({
  adapter: z.literal('coingecko-carbon'),
  params: z.object({
    /** CoinGecko coin id, e.g. toucan-protocol-base-carbon-tonne (BCT), moss-carbon-credit (MCO2). */
    coinId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'a CoinGecko coin id (lower-case letters, digits, dashes)').default('toucan-protocol-base-carbon-tonne'),
    metric: z.literal('credit_price').default('credit_price'),
    baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.coingecko.com'),
  }),
});

/**
 * An MQTT topic a feed reads from: a concrete topic, never a filter. No wildcards (`+`, `#`): one feed
 * attests one device's stream, and a filter would merge many devices' readings into it. No leading `$`:
 * `$share/...` is the worker's own (shared subscriptions) and `$SYS/...` is the broker's. The broker
 * itself is the operator's (MQTT_URL): a provider chooses topics, never brokers.
 */
export const MqttTopic = z
  .string()
  .min(1)
  .max(256)
  .refine((t) => !/[+#]/.test(t), 'a concrete topic without the wildcards + and #: one feed reads one device\'s topic')
  .refine((t) => !t.startsWith('$'), 'a topic may not start with $ ($share and $SYS are reserved)')
  .refine((t) => !t.includes('\u0000'), 'a topic may not contain the null character');

/**
 * IoT telemetry over the operator's MQTT broker, in ThingsBoard's documented JSON forms:
 * `{"ts": <ms>, "values": {...}}`, an array of those, or bare `{"key": value}` (refused: it has no
 * source timestamp). `key` picks the reading from `values`.
 */
export const MqttSource = z.object({
  adapter: z.literal('mqtt'),
  params: z.object({
    topic: MqttTopic,
    /** The telemetry key whose value the feed attests, e.g. `temperature`. */
    key: z.string().min(1).max(64),
    deviceId: z.string().min(1).max(128),
    unit: z.string().min(1).max(32),
    /** The observation's metric name; the key when absent. */
    metric: z.string().min(1).max(64).optional(),
  }),
});

/**
 * EasyPost tracker: EasyPost posts `tracker.*` Events to `POST /external/webhooks/easypost/:feedId`,
 * signed with the feed's webhook secret (shown once, at registration). Nothing is fetched.
 */
export const EasyPostTrackerSource = z.object({
  adapter: z.literal('easypost-tracker'),
  params: z.object({
    /** The carrier's tracking code the feed follows; events for any other code are refused. */
    trackingCode: z.string().regex(/^[A-Za-z0-9-]{4,64}$/, '4–64 letters, digits or dashes'),
    /** The carrier as EasyPost names it (USPS, UPS, FedEx, ...); when given, events must match it. */
    carrier: z.string().min(1).max(64).optional(),
    metric: z.literal('shipment_stage').default('shipment_stage'),
  }),
});

export const FeedSource = z.discriminatedUnion('adapter', [
  MqttSource,
  EasyPostTrackerSource,
  OpenMeteoSource,
  PushSource,
  AlpacaStockSource,
  RentCastAvmSource,
  CarbonIntensitySource,
  CoinGeckoCarbonSource,
]);
export type FeedSource = z.infer<typeof FeedSource>;

/** Which category each adapter produces: a feed's category must match its source. */
export const ADAPTER_CATEGORY: Record<FeedSource['adapter'], Category> = {
  'open-meteo': 'weather',
  push: 'iot',
  'alpaca-stocks': 'market',
  'rentcast-avm': 'real_estate',
  'carbon-intensity-uk': 'carbon',
  'coingecko-carbon': 'carbon',
  mqtt: 'iot',
  'easypost-tracker': 'iot',
};

export const FeedSchedule = z
  .object({
    intervalMs: z.number().int().min(1_000).max(86_400_000),
    /** Publish at least this often even when the value holds still (ms, at least the interval). */
    heartbeatMs: z.number().int().min(1_000).max(7 * 86_400_000).optional(),
    /** Publish when the value moved by more than this many basis points (1 bp = 0.01%) from the last published one. */
    deviationBps: z.number().int().min(1).max(1_000_000).optional(),
  })
  .refine((s) => s.heartbeatMs === undefined || s.heartbeatMs >= s.intervalMs, {
    path: ['heartbeatMs'],
    message: 'heartbeatMs must be at least intervalMs',
  });

/** Whether a feed's schedule runs: paused by its provider, or a market feed outside the trading session. */
export const FeedScheduleState = z.enum(['running', 'paused', 'market_closed']);
export type FeedScheduleState = z.infer<typeof FeedScheduleState>;

export const NumericRange = z
  .object({ min: z.number(), max: z.number() })
  .refine((r) => r.min <= r.max, { message: 'min must not exceed max' });

export const FeedQualityConfig = z.object({
  weights: QualityWeights.optional(),
  thresholds: QualityThresholds.optional(),
  /** Plausible bounds of `value`; the category default applies when absent. */
  range: NumericRange.optional(),
  /**
   * How old (ms, by the source's timestamp) an observation may be and still count as fresh; the
   * category's SLA (or the source's own, e.g. carrier scans) applies when absent.
   */
  freshnessSlaMs: z.number().int().min(1_000).max(30 * 86_400_000).optional(),
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
    message: `category does not match the source adapter (${Object.entries(ADAPTER_CATEGORY).map(([a, c]) => `${a} → ${c}`).join(', ')})`,
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
  /** Fetches with new data the schedule did not publish (within the deviation, before the heartbeat). */
  skipped: z.number().int().optional(),
  lastScore: z.number().nullable(),
  lastError: z.string().nullable(),
});

/**
 * How a feed is doing, in one word and a reason a person can act on: `healthy`; `degraded` (its
 * source fails or its breaker is open, the last value still fresh); `stale` (no observation within
 * the category's freshness SLA plus the source's timestamp precision and the feed's own period);
 * `paused` by its provider. Computed when the feed is read (slim/feeds/condition.ts).
 */
export const FeedCondition = z.object({
  state: z.enum(['healthy', 'degraded', 'stale', 'paused']),
  reason: z.string(),
});
export type FeedCondition = z.infer<typeof FeedCondition>;

/** State of the circuit breaker guarding a pull feed's source. */
export const SourceBreakerState = z.enum(['closed', 'open', 'half_open']);
export type SourceBreakerState = z.infer<typeof SourceBreakerState>;

/**
 * How this worker's outbound guard sees a pull feed's source (adapter + origin, shared by every
 * feed of that source): breaker state with the last failure, and since start-up how many fetches
 * waited past the rate limit or were retried. Absent for push feeds and sources not yet fetched.
 */
export const FeedUpstream = z.object({
  key: z.string(),
  breaker: SourceBreakerState,
  lastFailure: z.string().nullable(),
  lastFailureAt: IsoTimestamp.nullable(),
  openedAt: IsoTimestamp.nullable(),
  limited: z.number().int(),
  retried: z.number().int(),
});
export type FeedUpstream = z.infer<typeof FeedUpstream>;

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
  scheduleState: FeedScheduleState.optional(),
  upstream: FeedUpstream.optional(),
  condition: FeedCondition.optional(),
});
export type Feed = z.infer<typeof Feed>;

/**
 * The registration answer. Push feeds have no secret of their own: readings are verified with the key
 * of the registered device the feed names (see `DeviceCreated`).
 */
export const FeedCreated = Feed.extend({
  /**
   * EasyPost tracker feeds: the webhook secret to enter at EasyPost for this feed's webhook URL
   * (EasyPost signs each Event with it). Shown once, here; later reads never include it.
   */
  webhookSecret: z.string().optional(),
});
export type FeedCreated = z.infer<typeof FeedCreated>;

/** A reading's nonce: unique per device within the replay window (e.g. 16 random bytes as hex or base64url). */
export const PushNonce = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, '16–64 characters of A–Z a–z 0–9 _ -');

/** One IoT reading pushed to `POST /external/feeds/:id/observations`. */
export const PushReading = z
  .object({
    observedAt: IsoTimestamp,
    value: z.number().refine(Number.isFinite, 'must be a finite number'),
    latitude: z.number().min(-90).max(90).optional(),
    longitude: z.number().min(-180).max(180).optional(),
    /** HMAC-SHA256 (hex) with the device's key over `pushSignaturePayload(...)`. */
    signature: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    /** Signed readings carry a nonce (covered by the signature); it is accepted once per device within the replay window. */
    nonce: PushNonce.optional(),
  })
  .refine((r) => r.signature === undefined || r.nonce !== undefined, { path: ['nonce'], message: 'a signed reading needs a nonce' });
export type PushReading = z.infer<typeof PushReading>;

export const PushBody = z.object({ readings: z.array(PushReading).min(1).max(100) });
export type PushBody = z.infer<typeof PushBody>;

/**
 * The exact text a device signs (HMAC-SHA256 with its key) for one reading: every field that gives
 * the reading its meaning, so changing any of them breaks the signature. `value` is written as
 * JavaScript prints a number (`String(value)`), the form the JSON body carries.
 */
export const pushSignaturePayload = (r: { deviceId: string; feedId: string; observedAt: string; value: number; nonce: string }): string =>
  `${r.deviceId}|${r.feedId}|${r.observedAt}|${r.value}|${r.nonce}`;
