// A verify thread: ML-DSA signature checks off the main thread, so every core verifies.
// Plain JavaScript on purpose: a worker thread starts without the TypeScript loader of its parent
// (tsx or vitest), and this file is small enough not to need types. Messages are VerifyRequest in,
// VerifyResponse out (verify-pool.ts); what is signed was decided by the main thread.
// Each thread keeps the public keys it has seen prepared (ml-dsa-prepared.mjs), within
// workerData.preparedKeyBytes: an account's next signature costs about a quarter of its first.
import { parentPort, workerData } from 'node:worker_threads';
import { PreparedKeyCache, verifyWithCache } from './ml-dsa-prepared.mjs';

const cache = new PreparedKeyCache(workerData.preparedKeyBytes);

function verifyOne(item) {
  try {
    return verifyWithCache(cache, item.algorithm, item.publicKey, item.message, item.signature);
  } catch {
    // Nothing known throws, but an exception here would end the thread and fail its neighbours' chunks.
    return false;
  }
}

parentPort.on('message', (request) => {
  const valid = request.items.map(verifyOne);
  parentPort.postMessage({ id: request.id, valid, keyCache: { hits: cache.hits, misses: cache.misses, bytes: cache.bytes } });
});
