/**
 * A verify thread: ML-DSA signature checks off the main thread, so every core verifies.
 * Input and output are plain byte arrays; what is signed was decided by the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import type { VerifyRequest, VerifyResponse } from './verify-pool.ts';

const DSA = { ml_dsa44, ml_dsa65, ml_dsa87 } as const;

function verifyOne(item: VerifyRequest['items'][number]): boolean {
  try {
    return DSA[item.algorithm].verify(item.signature, item.message, item.publicKey);
  } catch {
    // Malformed lengths throw in noble: to a verifier that is simply not a valid signature.
    return false;
  }
}

parentPort?.on('message', (request: VerifyRequest) => {
  const response: VerifyResponse = { id: request.id, valid: request.items.map(verifyOne) };
  parentPort?.postMessage(response);
});
