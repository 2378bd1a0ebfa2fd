import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { constantTimeEqual } from '../runtime/constant-time.ts';
import type { FeedSource, IotObservation } from '../schemas/index.ts';

/**
 * EasyPost tracker webhooks: EasyPost posts an `Event` whose `result` is the `Tracker`, signed in the
 * `X-Hmac-Signature` header. Pure: signature, schema of the documented objects, and the mapping to an
 * IoT observation. The HTTP side is slim/webhooks.
 */

/** Tracking details carry whole seconds (`2023-12-24T12:44:43Z`, or a local offset when the carrier gave a place). */
export const EASYPOST_TIMESTAMP_PRECISION_MS = 1_000;

/**
 * How old a tracker's newest scan may be and still be fresh news: EasyPost posts tracker.updated
 * within minutes of a carrier's scan, but a scan's time is when the parcel was handled, and carriers
 * report depot scans in batches. Six hours keeps a delayed batch fresh and a day-old replay not.
 */
export const EASYPOST_FRESHNESS_SLA_MS = 6 * 3_600_000;

export const EASYPOST_SIGNATURE_HEADER = 'x-hmac-signature';
const SIGNATURE_PREFIX = 'hmac-sha256-hex=';

/**
 * `hmac-sha256-hex=<hex>`: HMAC-SHA256 of the raw body keyed with the UTF-8 bytes of the webhook
 * secret after NFKD normalization, as EasyPost's client libraries compute it. Over the exact bytes
 * received: a re-serialized body would not match (EasyPost's Node client patches `"weight": 1` back
 * to `1.0` for that reason; raw bytes need no such repair).
 */
export function easyPostSignature(secret: string, rawBody: Uint8Array): string {
  return SIGNATURE_PREFIX + bytesToHex(hmac(sha256, utf8ToBytes(secret.normalize('NFKD')), rawBody));
}

/** Whether the header is EasyPost's signature of `rawBody` under `secret`, compared in constant time. */
export function easyPostSignatureValid(secret: string, rawBody: Uint8Array, header: string | undefined): boolean {
  if (header === undefined) return false;
  return constantTimeEqual(easyPostSignature(secret, rawBody), header.trim().toLowerCase());
}

/** The tracker statuses EasyPost documents. */
export const TRACKER_STATUSES = [
  'unknown',
  'pre_transit',
  'in_transit',
  'out_for_delivery',
  'available_for_pickup',
  'delivered',
  'return_to_sender',
  'failure',
  'cancelled',
  'error',
] as const;
export type TrackerStatus = (typeof TRACKER_STATUSES)[number];

/**
 * The attested value: how far the shipment got. Forward progress counts up (label created 1, moving
 * 2, last mile 3 — out for delivery or waiting at a pickup point —, delivered 4); exceptions are
 * negative so that no threshold on progress ever mistakes them for it (returned −1, failed −2,
 * cancelled −3, EasyPost could not track −4); `unknown` (no carrier data yet) is 0.
 */
export const SHIPMENT_STAGE: Readonly<Record<TrackerStatus, number>> = {
  unknown: 0,
  pre_transit: 1,
  in_transit: 2,
  out_for_delivery: 3,
  available_for_pickup: 3,
  delivered: 4,
  return_to_sender: -1,
  failure: -2,
  cancelled: -3,
  error: -4,
};

/** Bound on the details one tracker may carry (long international trips have dozens). */
export const TRACKING_DETAILS_MAX = 500;

const nullableText = (max: number) => z.string().max(max).nullish();

const TrackingLocation = z.object({
  city: nullableText(128),
  state: nullableText(128),
  country: nullableText(128),
  zip: nullableText(32),
});

const TrackingDetail = z.object({
  datetime: z.string().refine((d) => Number.isFinite(Date.parse(d)), 'a date-time'),
  status: z.string().max(64).nullish(),
  message: nullableText(512),
  tracking_location: TrackingLocation.nullish(),
});

export const EasyPostTracker = z.object({
  object: z.literal('Tracker'),
  id: z.string().min(1).max(128),
  tracking_code: z.string().min(1).max(64),
  status: z.enum(TRACKER_STATUSES),
  status_detail: nullableText(128),
  carrier: nullableText(64),
  tracking_details: z.array(TrackingDetail).max(TRACKING_DETAILS_MAX).default([]),
});
export type EasyPostTracker = z.infer<typeof EasyPostTracker>;

/** The envelope; `result` is read per description (only tracker events carry a Tracker). */
export const EasyPostEvent = z.object({
  object: z.literal('Event'),
  id: z.string().min(1).max(128),
  description: z.string().min(1).max(128),
  mode: z.string().max(16).optional(),
  result: z.unknown(),
});
export type EasyPostEvent = z.infer<typeof EasyPostEvent>;

/** Event descriptions whose result is the tracker as it now stands. */
export const TRACKER_EVENT_DESCRIPTIONS: ReadonlySet<string> = new Set(['tracker.created', 'tracker.updated']);

type EasyPostFeed = { id: string; assetId: string; source: Extract<FeedSource, { adapter: 'easypost-tracker' }> };

/**
 * The tracker as an IoT observation: value = stage of its status, observedAt = its newest tracking
 * detail's datetime (the carrier's scan, the source's own time). null when the tracker has no
 * detail yet: without a source timestamp there is nothing to attest.
 */
export function observationOfTracker(feed: EasyPostFeed, tracker: EasyPostTracker, receivedAt: Date): IotObservation | null {
  const newest = newestDetail(tracker);
  if (newest === undefined) return null;
  const stage = SHIPMENT_STAGE[tracker.status];
  const shipment: NonNullable<IotObservation['data']['shipment']> = { trackingCode: tracker.tracking_code, trackerId: tracker.id, status: tracker.status };
  if (tracker.status_detail) shipment.statusDetail = tracker.status_detail;
  if (tracker.carrier) shipment.carrier = tracker.carrier;
  if (newest.message) shipment.message = newest.message;
  const location = locationOf(newest.tracking_location);
  if (location !== undefined) shipment.location = location;
  return {
    category: 'iot',
    feedId: feed.id,
    assetId: feed.assetId,
    observedAt: new Date(Date.parse(newest.datetime)).toISOString(),
    receivedAt: receivedAt.toISOString(),
    value: stage,
    unit: 'stage',
    source: {
      adapter: 'easypost-tracker',
      // The tracker's resource at EasyPost: what the event reports on, delivered over HTTPS and signed with the feed's secret.
      url: `https://api.easypost.com/v2/trackers/${encodeURIComponent(tracker.id)}`,
      authentication: 'registered_endpoint',
    },
    data: { deviceId: tracker.id, metric: feed.source.params.metric, reading: stage, shipment },
  };
}

function newestDetail(tracker: EasyPostTracker): EasyPostTracker['tracking_details'][number] | undefined {
  let newest: EasyPostTracker['tracking_details'][number] | undefined;
  for (const detail of tracker.tracking_details) {
    if (newest === undefined || Date.parse(detail.datetime) >= Date.parse(newest.datetime)) newest = detail;
  }
  return newest;
}

function locationOf(location: z.infer<typeof TrackingLocation> | null | undefined): NonNullable<IotObservation['data']['shipment']>['location'] {
  if (location === null || location === undefined) return undefined;
  const out: NonNullable<NonNullable<IotObservation['data']['shipment']>['location']> = {};
  if (location.city) out.city = location.city;
  if (location.state) out.state = location.state;
  if (location.country) out.country = location.country;
  if (location.zip) out.zip = location.zip;
  return Object.keys(out).length === 0 ? undefined : out;
}
