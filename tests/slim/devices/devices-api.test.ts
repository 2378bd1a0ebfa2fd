import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedReading } from '../../../demo/iot-device.ts';
import { Device, DeviceCreated, DeviceList, ErrorBody, QualityReport, type PushReading } from '../../../schemas/index.ts';
import { signPushPayload } from '../../../slim/quality/index.ts';
import { dropSchema, TEST_DATABASE_URL } from '../../support/databases.ts';
import { FakeValidator } from '../service/support/fake-validator.ts';
import {
  ADMIN,
  CLUSTER_SECRET,
  PROVIDER_A,
  PROVIDER_B,
  SlimNode,
  pushFeed,
  registerDevice,
  registerPushFeed,
  uniqueDeviceId,
  withDevice,
  type As,
} from '../service/support/slim-node.ts';

const OPERATOR: As = { id: 'key_operator', role: 'operator' };
const REPLAY_WINDOW_MS = 60_000;

const errorOf = (body: unknown) => ErrorBody.parse(body).error;

interface PushResult {
  decision: string;
  score: number;
  quality: unknown;
}

const backends = [
  { name: 'PGlite', url: undefined, skip: false },
  { name: 'PostgreSQL', url: TEST_DATABASE_URL, skip: TEST_DATABASE_URL === undefined },
];

describe.each(backends)('slim worker: IoT devices and signed push on $name', ({ url, skip }) => {
  const validator = new FakeValidator(CLUSTER_SECRET);
  let slim: SlimNode;

  beforeAll(async () => {
    if (skip) return;
    await validator.start();
    slim = await SlimNode.start({
      VALIDATOR_URLS: validator.url,
      PUSH_REPLAY_WINDOW_MS: String(REPLAY_WINDOW_MS),
      ...(url === undefined ? {} : { DATABASE_URL: url }),
    });
  });
  afterAll(async () => {
    if (skip) return;
    await slim?.close();
    await validator.stop();
    if (url !== undefined && slim !== undefined && slim.config.DB_SCHEMA !== undefined) await dropSchema(url, slim.config.DB_SCHEMA);
  });

  const push = async (feedId: string, readings: PushReading[], as: As = PROVIDER_A): Promise<PushResult[]> => {
    const res = await slim.call('POST', `/api/v11/external/feeds/${feedId}/observations`, { as, body: { readings } });
    expect(res.status).toBe(200);
    return (res.body as { results: PushResult[] }).results;
  };
  const verification = (result: PushResult | undefined) => QualityReport.parse(result?.quality).checks.find((c) => c.check === 'source_verification');
  const integrity = (result: PushResult | undefined) => QualityReport.parse(result?.quality).checks.find((c) => c.check === 'referential_integrity');
  const now = () => new Date().toISOString();

  describe('the device registry', () => {
    it.skipIf(skip)('registers a device and shows its key once, at registration', async () => {
      const id = uniqueDeviceId();
      const res = await slim.call('POST', '/api/v11/external/devices', { as: PROVIDER_A, body: { id, name: 'Reefer sensor', assetId: 'container-1' } });
      expect(res.status).toBe(201);
      const created = DeviceCreated.parse(res.body);
      expect(created).toMatchObject({ id, ownerKeyId: PROVIDER_A.id, assetId: 'container-1', revokedAt: null });
      const read = await slim.call('GET', `/api/v11/external/devices/${id}`, { as: PROVIDER_A });
      expect(read.status).toBe(200);
      expect(Device.strict().parse(read.body).id).toBe(id);
      const listed = await slim.call('GET', '/api/v11/external/devices', { as: PROVIDER_A });
      expect(DeviceList.parse(listed.body).devices.map((d) => d.id)).toContain(id);
      expect(JSON.stringify(listed.body)).not.toContain(created.secret);
    });

    it.skipIf(skip)('answers 409 for a device id that is taken, by anyone', async () => {
      const device = await registerDevice(slim, {}, PROVIDER_A);
      const again = await slim.call('POST', '/api/v11/external/devices', { as: PROVIDER_B, body: { id: device.id, name: 'mine now', assetId: 'x' } });
      expect(again.status).toBe(409);
      expect(errorOf(again.body).code).toBe('CONFLICT');
    });

    it.skipIf(skip)('rejects an invalid device id with 400 naming the field', async () => {
      const res = await slim.call('POST', '/api/v11/external/devices', { as: PROVIDER_A, body: { id: 'no spaces', name: 'n', assetId: 'a' } });
      expect(res.status).toBe(400);
      expect(JSON.stringify(errorOf(res.body))).toContain('id');
    });

    it.skipIf(skip)("hides another provider's device: 404 on read and revoke, absent from their list", async () => {
      const device = await registerDevice(slim, {}, PROVIDER_A);
      expect((await slim.call('GET', `/api/v11/external/devices/${device.id}`, { as: PROVIDER_B })).status).toBe(404);
      expect((await slim.call('DELETE', `/api/v11/external/devices/${device.id}`, { as: PROVIDER_B })).status).toBe(404);
      const listB = DeviceList.parse((await slim.call('GET', '/api/v11/external/devices', { as: PROVIDER_B })).body);
      expect(listB.devices.map((d) => d.id)).not.toContain(device.id);
      // The same answer as for an id that does not exist at all.
      expect((await slim.call('GET', '/api/v11/external/devices/no-such-device', { as: PROVIDER_B })).status).toBe(404);
    });

    it.skipIf(skip)('lets admin and operator see every device, and only admin revoke another provider’s', async () => {
      const device = await registerDevice(slim, {}, PROVIDER_B);
      for (const as of [ADMIN, OPERATOR]) {
        expect((await slim.call('GET', `/api/v11/external/devices/${device.id}`, { as })).status).toBe(200);
        expect(DeviceList.parse((await slim.call('GET', '/api/v11/external/devices', { as })).body).devices.map((d) => d.id)).toContain(device.id);
      }
      expect((await slim.call('DELETE', `/api/v11/external/devices/${device.id}`, { as: OPERATOR })).status).toBe(403);
      expect((await slim.call('DELETE', `/api/v11/external/devices/${device.id}`, { as: ADMIN })).status).toBe(200);
    });

    it.skipIf(skip)('revokes a device for good: it stays listed with the first revocation instant', async () => {
      const device = await registerDevice(slim);
      const first = await slim.call('DELETE', `/api/v11/external/devices/${device.id}`, { as: PROVIDER_A });
      expect(first.status).toBe(200);
      const revokedAt = Device.parse(first.body).revokedAt;
      expect(revokedAt).not.toBeNull();
      const second = await slim.call('DELETE', `/api/v11/external/devices/${device.id}`, { as: PROVIDER_A });
      expect(Device.parse(second.body).revokedAt).toBe(revokedAt);
      const listed = DeviceList.parse((await slim.call('GET', '/api/v11/external/devices', { as: PROVIDER_A })).body);
      expect(listed.devices.find((d) => d.id === device.id)?.revokedAt).toBe(revokedAt);
    });
  });

  describe('push feed registration', () => {
    const refusal = async (deviceId: string, assetId = 'container-7', as: As = PROVIDER_A) => {
      const res = await slim.call('POST', '/api/v11/external/feeds', { as, body: withDevice(pushFeed({ assetId }), deviceId) });
      expect(res.status).toBe(400);
      expect(((errorOf(res.body).details ?? []) as { path: string }[]).map((d) => d.path)).toContain('source.params.deviceId');
      return errorOf(res.body).message;
    };

    it.skipIf(skip)('refuses a push feed naming an unregistered device, naming source.params.deviceId', async () => {
      expect(await refusal('never-registered')).toContain('no registered device');
    });

    it.skipIf(skip)("refuses a push feed naming another provider's device", async () => {
      const theirs = await registerDevice(slim, {}, PROVIDER_B);
      await refusal(theirs.id, theirs.assetId, PROVIDER_A);
    });

    it.skipIf(skip)('refuses a push feed naming a revoked device', async () => {
      const device = await registerDevice(slim);
      await slim.call('DELETE', `/api/v11/external/devices/${device.id}`, { as: PROVIDER_A });
      expect(await refusal(device.id, device.assetId)).toContain('revoked');
    });

    it.skipIf(skip)('refuses a push feed for another asset than its device observes', async () => {
      const device = await registerDevice(slim, { assetId: 'container-1' });
      expect(await refusal(device.id, 'container-2')).toContain('container-1');
    });
  });

  describe('signed readings', () => {
    it.skipIf(skip)('accepts a fresh reading signed with the device key and a new nonce', async () => {
      const { feed, device } = await registerPushFeed(slim, { assetId: 'container-ok' });
      const [result] = await push(feed.id, [signedReading(device, feed.id, now(), 4.5)]);
      expect(result?.decision).toBe('accepted');
      expect(verification(result)?.score).toBe(1);
      expect(integrity(result)?.score).toBe(1);
    });

    it.skipIf(skip)('does not accept the same signed reading replayed, and its report names the replay', async () => {
      const { feed, device } = await registerPushFeed(slim, { assetId: 'container-replay' });
      const reading = signedReading(device, feed.id, now(), 4.5);
      const [first] = await push(feed.id, [reading]);
      expect(first?.decision).toBe('accepted');
      const [replayed] = await push(feed.id, [reading]);
      expect(replayed?.decision).not.toBe('accepted');
      expect(verification(replayed)).toMatchObject({ score: 0 });
      expect(verification(replayed)?.reason).toContain('replayed nonce');
    });

    it.skipIf(skip)('does not accept a replayed nonce even over a new reading', async () => {
      const { feed, device } = await registerPushFeed(slim, { assetId: 'container-nonce' });
      const first = signedReading(device, feed.id, now(), 4.5);
      await push(feed.id, [first]);
      const [again] = await push(feed.id, [signedReading(device, feed.id, now(), 4.75, first.nonce)]);
      expect(again?.decision).not.toBe('accepted');
      expect(verification(again)?.reason).toContain('replayed nonce');
    });

    it.skipIf(skip)('catches a nonce repeated within one request: only its first reading verifies', async () => {
      const { feed, device } = await registerPushFeed(slim, { assetId: 'container-one-body' });
      const first = signedReading(device, feed.id, now(), 4.5);
      const results = await push(feed.id, [first, signedReading(device, feed.id, now(), 4.6), first]);
      expect(results.map((r) => verification(r)?.score)).toEqual([1, 1, 0]);
      expect(verification(results[2])?.reason).toContain('replayed nonce');
    });

    it.skipIf(skip)('accepts exactly one of two concurrent pushes of the same signed reading', async () => {
      const { feed, device } = await registerPushFeed(slim, { assetId: 'container-race' });
      const reading = signedReading(device, feed.id, now(), 4.5);
      const results = (await Promise.all([push(feed.id, [reading]), push(feed.id, [reading])])).flat();
      expect(results.map((r) => verification(r)?.score).sort()).toEqual([0, 1]);
    });

    it.skipIf(skip)('rejects a signed reading older than the replay window, saying why', async () => {
      const { feed, device } = await registerPushFeed(slim, { assetId: 'container-old' });
      const old = new Date(Date.now() - REPLAY_WINDOW_MS - 5_000).toISOString();
      const [result] = await push(feed.id, [signedReading(device, feed.id, old, 4.5)]);
      expect(result?.decision).not.toBe('accepted');
      expect(verification(result)?.reason).toContain('outside the replay window');
    });

    it.skipIf(skip)("rejects a reading signed with another device's key", async () => {
      const { feed } = await registerPushFeed(slim, { assetId: 'container-forged' });
      const other = await registerDevice(slim, { assetId: 'container-forged' });
      const [result] = await push(feed.id, [signedReading(other, feed.id, now(), 4.5)]);
      expect(result?.decision).toBe('rejected');
      expect(verification(result)?.reason).toContain('does not match');
    });

    it.skipIf(skip)('lets a badly signed reading burn no nonce: the genuine reading with that nonce is accepted after it', async () => {
      const { feed, device } = await registerPushFeed(slim, { assetId: 'container-burn' });
      const genuine = signedReading(device, feed.id, now(), 4.5);
      const forged = { ...genuine, signature: signPushPayload('guessed-key', 'anything') };
      const [bad] = await push(feed.id, [forged]);
      expect(verification(bad)?.score).toBe(0);
      const [good] = await push(feed.id, [genuine]);
      expect(verification(good)?.score).toBe(1);
    });

    it.skipIf(skip)('half-trusts an unsigned reading (API key only)', async () => {
      const { feed } = await registerPushFeed(slim, { assetId: 'container-unsigned' });
      const [result] = await push(feed.id, [{ observedAt: now(), value: 4.5 }]);
      expect(verification(result)).toMatchObject({ score: 0.5 });
    });

    it.skipIf(skip)('refuses a signed reading without a nonce with 400 naming the field', async () => {
      const { feed, device } = await registerPushFeed(slim, { assetId: 'container-no-nonce' });
      const { nonce: _dropped, ...reading } = signedReading(device, feed.id, now(), 4.5);
      const res = await slim.call('POST', `/api/v11/external/feeds/${feed.id}/observations`, { as: PROVIDER_A, body: { readings: [reading] } });
      expect(res.status).toBe(400);
      expect(JSON.stringify(errorOf(res.body))).toContain('nonce');
    });

    it.skipIf(skip)('fails every reading of a revoked device, signed or not', async () => {
      const { feed, device } = await registerPushFeed(slim, { assetId: 'container-revoked' });
      await slim.call('DELETE', `/api/v11/external/devices/${device.id}`, { as: PROVIDER_A });
      const results = await push(feed.id, [signedReading(device, feed.id, now(), 4.5), { observedAt: now(), value: 4.6 }]);
      for (const r of results) {
        expect(r.decision).not.toBe('accepted');
        expect(verification(r)?.reason).toContain('revoked');
        expect(integrity(r)?.score).toBe(0);
      }
    });
  });
});
