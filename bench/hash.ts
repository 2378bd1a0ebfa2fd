import { createHash } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { sideBySide } from './measure.ts';

/** SHA-256 of a 1 KiB message: @noble/hashes (portable, what dApps use) against node:crypto. */
export async function hashBench() {
  const message = new Uint8Array(1024).map((_, i) => i & 0xff);
  const r = sideBySide(
    () => sha256(message),
    () => createHash('sha256').update(message).digest(),
  );
  return {
    messageBytes: message.length,
    nobleSha256PerSec: r.baselineOpsPerSec,
    nodeCryptoSha256PerSec: r.candidateOpsPerSec,
    nodeOverNobleRatio: r.ratio,
  };
}
