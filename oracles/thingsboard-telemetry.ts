import { z } from 'zod';
import type { FeedSource, IotObservation } from '../schemas/index.ts';
import { deviceReadingObservation } from './observation.ts';

/**
 * ThingsBoard's device telemetry JSON, as devices publish it over MQTT: `{"ts": 1451649600512,
 * "values": {"temperature": 42.2}}`, an array of such objects, or a bare `{"temperature": 42.2}`.
 * Pure: bytes in, readings or a reason out. The subscription lives in slim/mqtt.
 */

/** Bound on one message: telemetry is small; anything larger is a mistake or an attack. */
export const TELEMETRY_PAYLOAD_BYTES_MAX = 64 * 1024;
/** Bound on the entries of one array message (a device flushing a buffer). */
export const TELEMETRY_ENTRIES_MAX = 100;

const Entry = z.object({
  ts: z.number().int().positive().max(8.64e15),
  values: z.record(z.string(), z.unknown()),
});

export interface TelemetryReading {
  /** ISO form of the entry's `ts`: the device's own timestamp. */
  observedAt: string;
  value: number;
}

export type TelemetryParse = { ok: true; readings: TelemetryReading[] } | { ok: false; reason: string };

/**
 * The readings of `key` in one message, oldest first. Entries without `key` are another key's
 * telemetry on the same topic and are skipped, not errors. The bare form is refused: it has no
 * source timestamp (ThingsBoard stamps it with the server's receipt time), and freshness is
 * measured from the source's own time, never from when we heard it.
 */
export function parseTelemetry(payload: Uint8Array, key: string): TelemetryParse {
  if (payload.byteLength > TELEMETRY_PAYLOAD_BYTES_MAX) {
    return { ok: false, reason: `payload of ${payload.byteLength} bytes exceeds ${TELEMETRY_PAYLOAD_BYTES_MAX}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return { ok: false, reason: 'payload is not UTF-8 JSON' };
  }
  const entries = Array.isArray(json) ? json : [json];
  if (entries.length === 0) return { ok: true, readings: [] };
  if (entries.length > TELEMETRY_ENTRIES_MAX) return { ok: false, reason: `${entries.length} entries exceed ${TELEMETRY_ENTRIES_MAX}` };
  const readings: TelemetryReading[] = [];
  for (const [i, raw] of entries.entries()) {
    const where = Array.isArray(json) ? `entry ${i}` : 'payload';
    if (isBareForm(raw)) {
      return { ok: false, reason: `${where} has no "ts": publish {"ts": <epoch ms>, "values": {...}}; a reading without the device's timestamp cannot be dated` };
    }
    const entry = Entry.safeParse(raw);
    if (!entry.success) {
      const issue = entry.error.issues[0];
      return { ok: false, reason: `${where}: ${issue === undefined ? 'invalid' : `${issue.path.join('.') || 'value'} ${issue.message}`}` };
    }
    if (!Object.hasOwn(entry.data.values, key)) continue;
    const value = entry.data.values[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return { ok: false, reason: `${where}: values.${key} is ${JSON.stringify(value)}, not a finite number` };
    }
    readings.push({ observedAt: new Date(entry.data.ts).toISOString(), value });
  }
  readings.sort((a, b) => Date.parse(a.observedAt) - Date.parse(b.observedAt));
  return { ok: true, readings };
}

/** A JSON object without `ts`: ThingsBoard's timestamp-less form (or something else entirely). */
function isBareForm(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && !Object.hasOwn(raw, 'ts');
}

type MqttFeed = { id: string; assetId: string; source: Extract<FeedSource, { adapter: 'mqtt' }> };

/**
 * One reading as a normalized IoT observation. `brokerUrl` is the operator's broker; its user and
 * password never reach the observation. The broker the operator configured is the registered
 * endpoint: it is whom this worker authenticated to, and devices reach the topic only through it.
 */
export function observationOfTelemetry(feed: MqttFeed, reading: TelemetryReading, brokerUrl: string, receivedAt: Date): IotObservation {
  const params = feed.source.params;
  return deviceReadingObservation(
    { id: feed.id, assetId: feed.assetId, deviceId: params.deviceId, metric: params.metric ?? params.key, unit: params.unit },
    reading,
    { adapter: 'mqtt', url: topicUrl(brokerUrl, params.topic), deviceId: params.deviceId, authentication: 'registered_endpoint' },
    receivedAt,
  );
}

/** `mqtt://host:port/<topic>` without credentials; each topic level percent-encoded. */
export function topicUrl(brokerUrl: string, topic: string): string {
  const broker = new URL(brokerUrl);
  const path = topic
    .split('/')
    .map((level) => encodeURIComponent(level))
    .join('/');
  return `${broker.protocol}//${broker.host}/${path}`;
}
