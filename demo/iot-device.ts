import { pushSignaturePayload } from '../schemas/index.ts';
import { signPushPayload } from '../slim/quality/index.ts';

/** Signs a reading the way a device with the feed's push secret does. */
export const signReading = (secret: string, feedId: string, observedAt: string, value: number): string =>
  signPushPayload(secret, pushSignaturePayload(feedId, observedAt, value));

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
  pushSecret: string;
  intervalMs: number;
  onError: (message: string) => void;
}): DemoDevice {
  let tick = 0;
  const push = async () => {
    tick += 1;
    const observedAt = new Date().toISOString();
    const value = Math.round((4 + Math.sin(tick / 6) * 0.8) * 100) / 100;
    const signature = signReading(options.pushSecret, options.feedId, observedAt, value);
    try {
      const res = await fetch(`${options.gatewayUrl}/api/v11/external/feeds/${options.feedId}/observations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.providerKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ readings: [{ observedAt, value, signature }] }),
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
