import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../runtime/errors.ts';
import type { SignatureAlgorithm } from '../../schemas/index.ts';

export interface VerifyItem {
  algorithm: SignatureAlgorithm;
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

/** Main thread → verify thread: one chunk of items. */
export interface VerifyRequest {
  id: number;
  items: VerifyItem[];
}
/** Verify thread → main thread: one verdict per item, in order. */
export interface VerifyResponse {
  id: number;
  valid: boolean[];
}

export interface VerifyPoolOptions {
  /** Threads; default one per available core. */
  threads?: number;
  /** Items waiting for a thread; past it `verify` fails with a retryable 503. */
  queueMax: number;
}

/** Items sent to one thread in one message: large enough to amortize messaging, small enough to spread over threads. */
const CHUNK_ITEMS_MAX = 32;
/**
 * Chunks outstanding per thread: one running and a few ready (~0.2 s of work at ML-DSA-44 speed),
 * so a thread keeps verifying while the main thread is busy storing a block.
 */
const CHUNKS_IN_FLIGHT_PER_THREAD = 4;

interface Queued {
  item: VerifyItem;
  resolve(valid: boolean): void;
  reject(error: unknown): void;
}

interface Thread {
  worker: Worker;
  inFlight: Map<number, Queued[]>;
}

/**
 * A pool of worker threads verifying ML-DSA signatures. Items from concurrent callers are
 * coalesced into chunks and handed to the least busy thread; the queue in front is bounded.
 */
export class VerifyPool {
  private readonly threads: Thread[];
  private readonly queue: Queued[] = [];
  private nextId = 0;
  private flushScheduled = false;
  private closed = false;

  constructor(private readonly options: VerifyPoolOptions) {
    const count = options.threads ?? availableParallelism();
    this.threads = Array.from({ length: count }, () => this.spawn());
  }

  get size(): number {
    return this.threads.length;
  }

  /** One verdict per item, in order; a full queue or a closed pool is a retryable 503. */
  verify(items: readonly VerifyItem[]): Promise<boolean[]> {
    if (this.closed) return Promise.reject(new AppError('UNAVAILABLE', 'signature verification is shutting down', { retryAfterS: 1 }));
    if (this.queue.length + items.length > this.options.queueMax) {
      return Promise.reject(new AppError('UNAVAILABLE', `${this.queue.length} signatures are waiting for verification; try again`, { retryAfterS: 1 }));
    }
    const verdicts = items.map(
      (item) => new Promise<boolean>((resolve, reject) => this.queue.push({ item, resolve, reject })),
    );
    this.scheduleFlush();
    return Promise.all(verdicts);
  }

  async close(): Promise<void> {
    this.closed = true;
    const stopped = new AppError('UNAVAILABLE', 'signature verification stopped', { retryAfterS: 1 });
    for (const q of this.queue.splice(0)) q.reject(stopped);
    await Promise.all(
      this.threads.map(async (t) => {
        for (const chunk of t.inFlight.values()) for (const q of chunk) q.reject(stopped);
        t.inFlight.clear();
        await t.worker.terminate();
      }),
    );
  }

  private spawn(): Thread {
    // No inherited flags: the parent's --import preloads (tsx, test helpers) would fail in a thread without its loader.
    const worker = new Worker(new URL('./verify-worker.mjs', import.meta.url), { execArgv: [] });
    const thread: Thread = { worker, inFlight: new Map() };
    worker.on('message', (response: VerifyResponse) => {
      const chunk = thread.inFlight.get(response.id);
      thread.inFlight.delete(response.id);
      chunk?.forEach((q, i) => q.resolve(response.valid[i] === true));
      this.flush();
    });
    worker.on('error', (error) => this.replace(thread, error));
    // A thread can also end without an error (process.exit in it, a native abort): its chunks must not hang.
    // After an 'error' this runs too, and finds the thread replaced already.
    worker.on('exit', (code) => this.replace(thread, new Error(`verification thread exited with code ${code}`)));
    worker.unref();
    return thread;
  }

  /** A thread that died fails its chunks (retryable) and is replaced, so the pool keeps its size. */
  private replace(thread: Thread, cause: unknown): void {
    const failed = new AppError('UNAVAILABLE', 'a signature verification thread failed; try again', { retryAfterS: 1, cause });
    for (const chunk of thread.inFlight.values()) for (const q of chunk) q.reject(failed);
    thread.inFlight.clear();
    if (this.closed) return;
    const at = this.threads.indexOf(thread);
    if (at >= 0) this.threads[at] = this.spawn();
    this.flush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Callers arriving in the same turn share chunks.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0) {
      const thread = this.leastBusy();
      if (thread === undefined) return;
      const size = Math.min(CHUNK_ITEMS_MAX, Math.ceil(this.queue.length / this.threads.length));
      const chunk = this.queue.splice(0, size);
      const id = ++this.nextId;
      thread.inFlight.set(id, chunk);
      const request: VerifyRequest = { id, items: chunk.map((q) => q.item) };
      thread.worker.postMessage(request);
    }
  }

  private leastBusy(): Thread | undefined {
    let best: Thread | undefined;
    for (const t of this.threads) {
      if (t.inFlight.size >= CHUNKS_IN_FLIGHT_PER_THREAD) continue;
      if (best === undefined || t.inFlight.size < best.inFlight.size) best = t;
    }
    return best;
  }
}
