import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IotObservation, type FeedSource } from '../../schemas/index.ts';
import { observationOfTelemetry, parseTelemetry, TELEMETRY_PAYLOAD_BYTES_MAX, topicUrl } from '../../oracles/thingsboard-telemetry.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/thingsboard/${name}`, import.meta.url)));
const bytes = (text: string) => new TextEncoder().encode(text);

const source: Extract<FeedSource, { adapter: 'mqtt' }> = {
  adapter: 'mqtt',
  params: { topic: 'plant-1/reefer-7/telemetry', key: 'temperature', deviceId: 'reefer-7', unit: '°C' },
};

describe('ThingsBoard telemetry payloads', () => {
  it('reads the key from a payload with the device timestamp, dated by that timestamp', () => {
    expect(parseTelemetry(fixture('telemetry-with-ts.json'), 'temperature')).toEqual({
      ok: true,
      readings: [{ observedAt: '2016-01-01T12:00:00.512Z', value: 42.2 }],
    });
  });

  it('reads every entry of an array payload, oldest first', () => {
    const parsed = parseTelemetry(fixture('telemetry-array.json'), 'humidity');
    expect(parsed).toEqual({
      ok: true,
      readings: [
        { observedAt: '2016-01-01T12:00:00.512Z', value: 70 },
        { observedAt: '2016-01-01T12:00:01.512Z', value: 71 },
      ],
    });
  });

  it('refuses the bare form, which carries no source timestamp', () => {
    const parsed = parseTelemetry(fixture('telemetry-bare.json'), 'temperature');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain('no "ts"');
  });

  it('skips telemetry of other keys on the same topic without calling it an error', () => {
    expect(parseTelemetry(bytes('{"ts": 1451649600512, "values": {"pressure": 1013}}'), 'temperature')).toEqual({ ok: true, readings: [] });
  });

  it('refuses a reading that is not a finite number, naming the key', () => {
    const parsed = parseTelemetry(bytes('{"ts": 1451649600512, "values": {"temperature": "42.2"}}'), 'temperature');
    expect(parsed).toEqual({ ok: false, reason: 'payload: values.temperature is "42.2", not a finite number' });
  });

  it('refuses a payload that is not JSON, or too large', () => {
    expect(parseTelemetry(bytes('{"ts": 14'), 'temperature').ok).toBe(false);
    expect(parseTelemetry(new Uint8Array(TELEMETRY_PAYLOAD_BYTES_MAX + 1), 'temperature').ok).toBe(false);
  });

  it('refuses a timestamp that is not epoch milliseconds', () => {
    expect(parseTelemetry(bytes('{"ts": "2016-01-01", "values": {"temperature": 1}}'), 'temperature').ok).toBe(false);
  });

  it('makes a valid IoT observation whose source names the broker and topic but never its credentials', () => {
    const observation = observationOfTelemetry(
      { id: 'feed_1', assetId: 'container-7', source },
      { observedAt: '2016-01-01T12:00:00.512Z', value: 42.2 },
      'mqtt://oracle:s3cret@broker.internal:1883',
      new Date('2016-01-01T12:00:01Z'),
    );
    expect(IotObservation.parse(observation)).toEqual(observation);
    expect(observation.source).toEqual({
      adapter: 'mqtt',
      url: 'mqtt://broker.internal:1883/plant-1/reefer-7/telemetry',
      deviceId: 'reefer-7',
      authentication: 'registered_endpoint',
    });
    expect(observation.data).toEqual({ deviceId: 'reefer-7', metric: 'temperature', reading: 42.2 });
    expect(observation.observedAt).toBe('2016-01-01T12:00:00.512Z');
  });

  it('percent-encodes topic levels in the source URL', () => {
    expect(topicUrl('mqtts://b:8883', 'site a/ü')).toBe('mqtts://b:8883/site%20a/%C3%BC');
  });
});
