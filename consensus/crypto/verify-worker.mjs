// A verify thread: ML-DSA signature checks off the main thread, so every core verifies.
// Plain JavaScript on purpose: a worker thread starts without the TypeScript loader of its parent
// (tsx or vitest), and this file is small enough not to need types. Messages are VerifyRequest in,
// VerifyResponse out (verify-pool.ts); what is signed was decided by the main thread.
import { parentPort } from 'node:worker_threads';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';

const DSA = { ml_dsa44, ml_dsa65, ml_dsa87 };

function verifyOne(item) {
  const dsa = DSA[item.algorithm];
  if (dsa === undefined) return false;
  try {
    return dsa.verify(item.signature, item.message, item.publicKey);
  } catch {
    // Malformed lengths throw in noble: to a verifier that is simply not a valid signature.
    return false;
  }
}

parentPort.on('message', (request) => {
  parentPort.postMessage({ id: request.id, valid: request.items.map(verifyOne) });
});
