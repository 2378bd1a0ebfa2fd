import { randomBytes } from 'node:crypto';
import { pushSignaturePayload, type PushReading } from '../schemas/index.ts';
import { signPushPayload } from '../slim/quality/index.ts';

/** A fresh nonce: 16 random bytes, base64url (22 characters). */
export const newNonce = (): string => randomBytes(16).toString('base64url');

/** A reading signed the way a registered device does: HMAC-SHA256 with its key, over the payload with a fresh nonce. */
export function signedReading(
  device: { id: string; secret: string },
  feedId: string,
  observedAt: string,
  value: number,
  nonce: string = newNonce(),
): PushReading {
  const signature = signPushPayload(device.secret, pushSignaturePayload({ deviceId: device.id, feedId, observedAt, value, nonce }));
  return { observedAt, value, nonce, signature };
}

export interface DemoDevice {
  stop(): void;
}

/**
 * A refrigerated-container sensor pushing signed temperature readings through the gateway,
 * so the demo's IoT feed keeps getting attested.
 */
export function startDemoDevice(options: {
  gatewayUrl: string;
  providerKey: string;
  feedId: string;
  /** The registered device the feed names, with the key shown at its registration. */
  device: { id: string; secret: string };
  intervalMs: number;
  onError: (message: string) => void;
}): DemoDevice {
  let tick = 0;
  const push = async () => {
    tick += 1;
    const observedAt = new Date().toISOString();
    const value = Math.round((4 + Math.sin(tick / 6) * 0.8) * 100) / 100;
    const reading = signedReading(options.device, options.feedId, observedAt, value);
    try {
      const res = await fetch(`${options.gatewayUrl}/api/v11/external/feeds/${options.feedId}/observations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.providerKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ readings: [reading] }),
      });
      if (!res.ok) options.onError(`demo device push answered ${res.status}: ${await res.text()}`);
    } catch (e) {
      options.onError(`demo device push failed: ${(e as Error).message}`);
    }
  };
  const timer = setInterval(() => void push(), options.intervalMs);
  void push();
  return { stop: () => clearInterval(timer) };
}
