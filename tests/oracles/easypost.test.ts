import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IotObservation, type FeedSource } from '../../schemas/index.ts';
import {
  EasyPostEvent,
  EasyPostTracker,
  easyPostSignature,
  easyPostSignatureValid,
  observationOfTracker,
  SHIPMENT_STAGE,
  TRACKER_STATUSES,
} from '../../oracles/easypost.ts';

const raw = readFileSync(new URL('../fixtures/easypost/event-tracker-updated.json', import.meta.url));
const body = new Uint8Array(raw);
const tracker = EasyPostTracker.parse(EasyPostEvent.parse(JSON.parse(raw.toString('utf8'))).result);
const source: Extract<FeedSource, { adapter: 'easypost-tracker' }> = {
  adapter: 'easypost-tracker',
  params: { trackingCode: '9405500207552011812894', metric: 'shipment_stage' },
};
const feed = { id: 'feed_1', assetId: 'shipment-42', source };

describe('EasyPost webhook signature', () => {
  it('is hmac-sha256-hex= and the hex HMAC-SHA256 of the raw body under the secret', () => {
    const expected = createHmac('sha256', 'sekrit').update(raw).digest('hex');
    expect(easyPostSignature('sekrit', body)).toBe(`hmac-sha256-hex=${expected}`);
    expect(easyPostSignatureValid('sekrit', body, `hmac-sha256-hex=${expected}`)).toBe(true);
  });

  it('keys the HMAC with the NFKD form of the secret, as EasyPost does', () => {
    // U+FB01 (the "fi" ligature) decomposes to "fi" under NFKD.
    const expected = createHmac('sha256', 'fish').update(raw).digest('hex');
    expect(easyPostSignatureValid('\uFB01sh', body, `hmac-sha256-hex=${expected}`)).toBe(true);
  });

  it('fails for another secret, a changed body, or no header', () => {
    const signature = easyPostSignature('sekrit', body);
    expect(easyPostSignatureValid('other', body, signature)).toBe(false);
    const changed = new Uint8Array(body);
    changed[changed.length - 3] = (changed[changed.length - 3] ?? 0) ^ 1;
    expect(easyPostSignatureValid('sekrit', changed, signature)).toBe(false);
    expect(easyPostSignatureValid('sekrit', body, undefined)).toBe(false);
  });
});

describe('EasyPost tracker as an IoT observation', () => {
  it('reads the documented Event with its Tracker', () => {
    expect(tracker.tracking_code).toBe('9405500207552011812894');
    expect(tracker.tracking_details).toHaveLength(2);
  });

  it('dates the observation by the newest tracking detail and attests the stage of the status', () => {
    const observation = observationOfTracker(feed, tracker, new Date('2024-01-24T00:08:00Z'));
    expect(observation).not.toBeNull();
    expect(IotObservation.parse(observation)).toEqual(observation);
    expect(observation?.observedAt).toBe('2023-12-24T12:44:43.000Z');
    expect(observation?.value).toBe(SHIPMENT_STAGE.pre_transit);
    expect(observation?.unit).toBe('stage');
    expect(observation?.data.shipment).toEqual({
      trackingCode: '9405500207552011812894',
      trackerId: 'trk_3898303eff624097a516ab324bb133f3',
      status: 'pre_transit',
      statusDetail: 'status_update',
      carrier: 'USPS',
      message: 'Shipping Label Created',
      location: { city: 'HOUSTON', state: 'TX', zip: '77063' },
    });
  });

  it('takes the newest detail by its time, whatever its place in the list, and normalizes local offsets to UTC', () => {
    const reordered = {
      ...tracker,
      tracking_details: [{ ...tracker.tracking_details[0]!, datetime: '2023-12-25T08:00:00-06:00', message: 'Arrived' }, ...tracker.tracking_details],
    };
    expect(observationOfTracker(feed, reordered, new Date())?.observedAt).toBe('2023-12-25T14:00:00.000Z');
  });

  it('attests nothing for a tracker without tracking details: there is no source timestamp', () => {
    expect(observationOfTracker(feed, { ...tracker, tracking_details: [] }, new Date())).toBeNull();
  });

  it('orders forward progress upwards and keeps exceptions below zero', () => {
    expect(TRACKER_STATUSES.map((s) => SHIPMENT_STAGE[s])).toEqual([0, 1, 2, 3, 3, 4, -1, -2, -3, -4]);
  });

  it('refuses a status EasyPost does not document', () => {
    expect(EasyPostTracker.safeParse({ ...tracker, status: 'teleported' }).success).toBe(false);
  });
});
