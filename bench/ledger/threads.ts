import { Worker } from 'node:worker_threads';

/** Bench threads over bench/ledger/worker.mjs: signing spread over every thread, and a raw verify loop per thread. */
export class BenchThreads {
  private readonly workers: Worker[];
  private nextId = 0;

  constructor(count: number) {
    this.workers = Array.from({ length: count }, () => new Worker(new URL('./worker.mjs', import.meta.url), { execArgv: [] }));
  }

  /** ML-DSA-44 signatures of `messages`, in order, the work split evenly over the threads. */
  async sign(items: { message: Uint8Array; secretKey: Uint8Array }[]): Promise<Uint8Array[]> {
    const per = Math.ceil(items.length / this.workers.length);
    const parts = await Promise.all(
      this.workers.map((w, i) => this.call<{ signatures: Uint8Array[] }>(w, { kind: 'sign', items: items.slice(i * per, (i + 1) * per) })),
    );
    return parts.flatMap((p) => p.signatures);
  }

  /**
   * Verifications per second with every thread verifying at once (no messaging inside the measured
   * loop): noble's verify, or with `prepared` the validator's verifier with the key already prepared.
   */
  async verifyRate(sample: { message: Uint8Array; signature: Uint8Array; publicKey: Uint8Array }, durationMs: number, prepared = false): Promise<number> {
    const results = await Promise.all(
      this.workers.map((w) => this.call<{ verified: number; elapsedMs: number }>(w, { kind: 'verify-loop', ...sample, durationMs, prepared })),
    );
    return Math.round(results.reduce((sum, r) => sum + (r.verified / r.elapsedMs) * 1000, 0));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private call<T>(worker: Worker, request: Record<string, unknown>): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      const onMessage = (response: { id: number } & T) => {
        if (response.id !== id) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(response);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.postMessage({ id, ...request });
    });
  }
}
