import type { Category, CheckName, CheckResult, FeedQualityConfig, FeedSource, Observation, QualityThresholds } from '../../schemas/index.ts';

/** What a quality step may know besides the observation itself. Built by the I/O layer, read by pure steps. */
export interface QualityContext {
  /** The evaluation instant; steps never read a clock. */
  now: Date;
  /** The registered feed the observation claims to belong to; null when no such feed exists. */
  feed: {
    id: string;
    category: Category;
    assetId: string;
    status: 'active' | 'paused';
    source: FeedSource;
    quality: FeedQualityConfig;
  } | null;
  /** Recent history of the feed, newest last. */
  history: {
    /** Values of recent accepted or approved observations (bounded, e.g. the last 50). */
    values: number[];
    /**
     * The finite ones of `values`, ascending: the spike test reads its median and MAD off them. The I/O
     * layer keeps them sorted as the window moves (one insertion per published observation), rather
     * than the chain selecting over the history on every evaluation. See `sortedFinite`.
     */
    sortedValues: readonly number[];
    /** Source timestamp of the newest stored observation, if any. */
    lastObservedAt: string | null;
    /**
     * Content hashes of recent observations (bounded), as a lookup the I/O layer keeps as its window
     * moves: uniqueness asks one question of it instead of comparing against every hash.
     */
    seenContentHashes: { has(contentHash: string): boolean };
  };
  /**
   * Latest accepted or approved values of other feeds observing the same asset (same category and
   * unit), fresh within the category SLA, bounded by the I/O layer (see PEERS_MAX). Empty when none.
   */
  peers: PeerValue[];
  /** Content hash of the observation under evaluation (see `contentHashOf`). */
  contentHash: string;
  /** Push mode only: the device the feed names, what the reading signed, and what the I/O layer learnt of its nonce. */
  push?: PushContext;
  /** Resolved settings: category defaults, then configuration, then the feed's own overrides. */
  settings: QualitySettings;
}

/**
 * What source verification and referential integrity know of a pushed reading. The I/O layer looks the
 * device up and remembers the nonce (only for a reading whose signature verified and that is fresh);
 * the steps decide from these facts alone.
 */
export interface PushContext {
  /** The registered device the feed names; null when no device has that id. */
  device: {
    id: string;
    assetId: string;
    /** The device's HMAC key. */
    secret: string;
    /** ISO timestamp of its revocation, null while it is in service. */
    revokedAt: string | null;
  } | null;
  /** Hex HMAC-SHA256 the reading carries; undefined for an unsigned reading. */
  signature: string | undefined;
  /** `pushSignaturePayload(...)` of the reading; null when it carries no nonce (an unsigned reading). */
  signedPayload: string | null;
  nonce: string | undefined;
  /**
   * Whether this reading's nonce was new for the device within the window: true the first time,
   * false for a replay, null when the nonce was not looked at (unsigned, bad signature, outside the window).
   */
  nonceFirstSeen: boolean | null;
  /** How far back from `now` a signed reading's `observedAt` may lie and still count as fresh (PUSH_REPLAY_WINDOW_MS). */
  windowMs: number;
  /** How far ahead of `now` a device's clock may run (PUSH_CLOCK_SKEW_MS). */
  clockSkewMs: number;
}

/** Another feed's latest published value of the same asset: what cross-source agreement compares with. */
export interface PeerValue {
  feedId: string;
  value: number;
  /** ISO timestamp of the peer's source. */
  observedAt: string;
}

export interface QualitySettings {
  weights: Record<CheckName, number>;
  thresholds: QualityThresholds;
  /** The final score may exceed the weakest check by at most this much, so one failed check cannot be averaged away. */
  weakestCheckMargin: number;
  /** Freshness SLA of the category in ms. */
  freshnessSlaMs: number;
  /** Resolution of the source's timestamps (Open-Meteo reports whole minutes): tolerated as age. */
  sourceTimestampPrecisionMs: number;
  /** Plausible bounds of `value`, when known. */
  range: QualityRange | null;
  /**
   * The category these settings were resolved for (set by `resolveQualitySettings`). The report names
   * it when the observation is unreadable and no feed is known, so an unreadable push still gets a report.
   */
  category?: Category;
}

/** Bounds of `value`, inclusive unless `minExclusive` (a price must be strictly positive, not merely ≥ 0). */
export interface QualityRange {
  min: number;
  max: number;
  minExclusive?: boolean;
}

/** One step of the chain: a pure function of the observation and its context. */
export type QualityStep = (observation: Observation, ctx: QualityContext) => CheckResult;
