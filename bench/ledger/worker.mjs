// Bench helper thread (plain JavaScript: worker threads start without the TypeScript loader).
// { kind: 'sign', id, items: [{ message, secretKey }] } → { id, signatures: [Uint8Array] } (ML-DSA-44)
// { kind: 'verify-loop', id, message, signature, publicKey, durationMs, prepared } → { id, verified, elapsedMs }
//   prepared false: noble's ml_dsa44.verify, the raw rate; true: the validator's verifier with the key prepared once.
import { parentPort } from 'node:worker_threads';
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';
import { PreparedKeyCache, verifyWithCache } from '../../consensus/crypto/ml-dsa-prepared.mjs';

const cache = new PreparedKeyCache(1024 * 1024);

parentPort.on('message', (request) => {
  if (request.kind === 'sign') {
    const signatures = request.items.map((item) => ml_dsa44.sign(item.message, item.secretKey));
    parentPort.postMessage({ id: request.id, signatures });
    return;
  }
  const verify = request.prepared
    ? () => verifyWithCache(cache, 'ml_dsa44', request.publicKey, request.message, request.signature)
    : () => ml_dsa44.verify(request.signature, request.message, request.publicKey);
  const start = performance.now();
  let verified = 0;
  let elapsed = 0;
  while (elapsed < request.durationMs) {
    if (!verify()) throw new Error('the bench signature does not verify');
    verified++;
    elapsed = performance.now() - start;
  }
  parentPort.postMessage({ id: request.id, verified, elapsedMs: elapsed });
});
