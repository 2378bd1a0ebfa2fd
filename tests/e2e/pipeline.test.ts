import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, hexToBytes, bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { Attestation, DeviceCreated, FeedCreated, ReviewItem } from '../../schemas/index.ts';
import { canonicalJson } from '../../runtime/canonical-json.ts';
import { signedReading } from '../../demo/iot-device.ts';
import { issueKeys, TEST_DATABASE_URL, berlinWeatherFeed, call, eventually, startTestNetwork, type TestNetwork } from '../support/network.ts';

const DSA = { ml_dsa44, ml_dsa65, ml_dsa87 } as const;

/** Independent of the validator's code: recompute the Merkle path with @noble/hashes alone. */
function merkleRootFromProof(proof: Attestation['proof']): string {
  let node = sha256(concatBytes(new Uint8Array([0]), hexToBytes(proof.leaf)));
  for (const step of proof.siblings) {
    const sibling = hexToBytes(step.hash);
    node = sha256(step.side === 'left' ? concatBytes(new Uint8Array([1]), sibling, node) : concatBytes(new Uint8Array([1]), node, sibling));
  }
  return bytesToHex(node);
}

/** Checks everything a dApp must check before trusting an attested value. */
function verifyAttestation(a: Attestation): void {
  const txHash = bytesToHex(sha256(utf8ToBytes(canonicalJson({ type: 'attest', event: a.event }))));
  expect(a.txHash).toBe(txHash);
  expect(a.proof.leaf).toBe(txHash);
  expect(a.proof.root).toBe(a.block.header.txRoot);
  expect(merkleRootFromProof(a.proof)).toBe(a.block.header.txRoot);
  expect(a.block.hash).toBe(bytesToHex(sha256(utf8ToBytes(canonicalJson(a.block.header)))));
  expect(a.block.header.height).toBe(a.height);
  const signature = a.block.signatures[0];
  if (signature === undefined) throw new Error('block carries no signature');
  const validator = a.validators.find((v) => v.nodeId === signature.signer);
  if (validator === undefined) throw new Error('block signed by an unknown validator');
  const publicKey = hexToBytes(validator.publicKey);
  expect(bytesToHex(sha256(publicKey))).toBe(validator.nodeId);
  expect(DSA[signature.algorithm].verify(hexToBytes(signature.signature), hexToBytes(a.block.hash), publicKey)).toBe(true);
}

function pipelineSuite(name: string, postgresUrl: string | undefined) {
  describe(name, () => {
    let net: TestNetwork;
    const keys = { provider: '', dapp: '', reviewer: '' };

    beforeAll(async () => {
      net = await startTestNetwork({ postgresUrl });
      await issueKeys(net.api, keys, 'e2e');
    }, 120_000);
    afterAll(async () => net?.stop());

    it('attests a pulled weather observation in a signed block that a dApp can verify', async () => {
      const created = await call(`${net.api}/external/feeds`, { method: 'POST', key: keys.provider, body: berlinWeatherFeed(net.source.url) });
      expect(created.status).toBe(201);
      const feed = FeedCreated.parse(created.body);

      const attestation = await eventually(async () => {
        const r = await call(`${net.api}/query/attestations/${feed.id}/latest`, { key: keys.dapp });
        return r.status === 200 ? Attestation.parse(r.body) : undefined;
      });
      expect(attestation.feedId).toBe(feed.id);
      expect(attestation.event.quality.decision).toBe('accepted');
      expect(attestation.event.quality.checks).toHaveLength(9);
      expect(attestation.unit).toBe('°C');
      verifyAttestation(attestation);
    });

    it('holds a bad pushed reading for review and attests it once a reviewer approves', async () => {
      const registered = await call(`${net.api}/external/devices`, {
        method: 'POST',
        key: keys.provider,
        body: { id: 'reefer-9', name: 'Reefer 9 sensor', assetId: 'container-9' },
      });
      expect(registered.status).toBe(201);
      const device = DeviceCreated.parse(registered.body);
      const created = await call(`${net.api}/external/feeds`, {
        method: 'POST',
        key: keys.provider,
        body: {
          name: 'Reefer 9',
          category: 'iot',
          assetId: 'container-9',
          source: { adapter: 'push', params: { deviceId: 'reefer-9', metric: 'temperature', unit: '°C' } },
          quality: { range: { min: -30, max: 10 } },
        },
      });
      expect(created.status).toBe(201);
      const feed = FeedCreated.parse(created.body);

      const observedAt = new Date().toISOString();
      const value = 42.5; // far outside the container's range
      const pushed = await call(`${net.api}/external/feeds/${feed.id}/observations`, {
        method: 'POST',
        key: keys.provider,
        body: { readings: [signedReading(device, feed.id, observedAt, value)] },
      });
      expect(pushed.status).toBe(200);
      const result = (pushed.body as { results: { decision: string; reviewId?: string }[] }).results[0];
      expect(result?.decision).toBe('rejected');
      const reviewId = result?.reviewId ?? '';

      const queue = await call(`${net.api}/reviews?status=pending`, { key: keys.reviewer });
      expect(queue.status).toBe(200);
      expect((queue.body as { reviews: { id: string }[] }).reviews.map((r) => r.id)).toContain(reviewId);

      const byProvider = await call(`${net.api}/reviews/${reviewId}/decision`, { method: 'POST', key: keys.provider, body: { decision: 'approve', reason: 'mine' } });
      expect(byProvider.status).toBe(403);

      const notYet = await call(`${net.api}/query/attestations/${feed.id}/latest`, { key: keys.dapp });
      expect(notYet.status).toBe(404);

      const decided = await call(`${net.api}/reviews/${reviewId}/decision`, {
        method: 'POST',
        key: keys.reviewer,
        body: { decision: 'approve', reason: 'door opened during loading; confirmed by the driver' },
      });
      expect(decided.status).toBe(200);
      const review = ReviewItem.parse(decided.body);
      expect(review.status).toBe('approved');
      expect(review.audit.map((a) => a.action)).toEqual(['queued', 'approved']);

      const attestation = await eventually(async () => {
        const r = await call(`${net.api}/query/attestations/${feed.id}/latest`, { key: keys.dapp });
        return r.status === 200 ? Attestation.parse(r.body) : undefined;
      });
      expect(attestation.value).toBe(value);
      expect(attestation.event.approval?.reviewId).toBe(reviewId);
      verifyAttestation(attestation);

      const receipt = await call(`${net.api}/transaction/${attestation.txHash}`, { key: keys.dapp });
      expect(receipt.status).toBe(200);
      expect((receipt.body as { status: string; height: number }).height).toBe(attestation.height);
    });

    it('answers 401 without a key and 403 when a dApp registers a feed', async () => {
      expect((await call(`${net.api}/external/feeds`)).status).toBe(401);
      const asDapp = await call(`${net.api}/external/feeds`, { method: 'POST', key: keys.dapp, body: {} });
      expect(asDapp.status).toBe(403);
    });

    it('serves the chain publicly, block by block, hash-linked', async () => {
      const status = await call(`${net.api}/consensus/status`);
      expect(status.status).toBe(200);
      const height = (status.body as { height: number }).height;
      expect(height).toBeGreaterThan(0);
      const tip = await call(`${net.api}/consensus/blocks/${height}`);
      const parent = await call(`${net.api}/consensus/blocks/${height - 1}`);
      expect((tip.body as { header: { prevHash: string } }).header.prevHash).toBe((parent.body as { hash: string }).hash);
    });
  });
}

pipelineSuite('the network on embedded PGlite', undefined);
describe.skipIf(TEST_DATABASE_URL === undefined)('on PostgreSQL', () => {
  pipelineSuite('the network on PostgreSQL', TEST_DATABASE_URL);
});
