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
/** A verify thread's prepared-key cache, counted since the thread started. */
export interface KeyCacheStats {
  hits: number;
  misses: number;
  bytes: number;
}

/** Verify thread → main thread: one verdict per item, in order. */
export interface VerifyResponse {
  id: number;
  valid: boolean[];
  keyCache: KeyCacheStats;
}

export interface VerifyPoolOptions {
  /** Threads; default one per available core. */
  threads?: number;
  /** Items waiting for a thread; past it `verify` fails with a retryable 503. */
  queueMax: number;
  /** Bytes of prepared public keys each thread keeps (ml-dsa-prepared.mjs); 0 prepares every key afresh. */
  preparedKeyBytes: number;
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
  keyCache: KeyCacheStats;
}

/**
 * A pool of worker threads verifying ML-DSA signatures. Items from concurrent callers are
 * coalesced into chunks; the queues in front are bounded together.
 * Each public key has a home thread, so its prepared form (ml-dsa-prepared.mjs) is built once and
 * found again by the sender's next signatures; a thread with nothing of its own to do takes work
 * queued for a thread that is full, so no core idles while signatures wait.
 */
export class VerifyPool {
  private readonly threads: Thread[];
  /** Waiting items, by home thread (the same index in `threads`). */
  private readonly queues: Queued[][];
  private waiting = 0;
  /** The cache counts of threads that were replaced, so the totals never go backwards. */
  private readonly retiredKeyCache = { hits: 0, misses: 0 };
  private nextId = 0;
  private flushScheduled = false;
  private closed = false;

  constructor(private readonly options: VerifyPoolOptions) {
    const count = options.threads ?? availableParallelism();
    this.threads = Array.from({ length: count }, () => this.spawn());
    this.queues = this.threads.map(() => []);
  }

  get size(): number {
    return this.threads.length;
  }

  /** Prepared-key cache totals over the threads: hits and misses since start, bytes held now. */
  keyCacheStats(): KeyCacheStats {
    const total = { hits: this.retiredKeyCache.hits, misses: this.retiredKeyCache.misses, bytes: 0 };
    for (const t of this.threads) {
      total.hits += t.keyCache.hits;
      total.misses += t.keyCache.misses;
      total.bytes += t.keyCache.bytes;
    }
    return total;
  }

  /** One verdict per item, in order; a full queue or a closed pool is a retryable 503. */
  verify(items: readonly VerifyItem[]): Promise<boolean[]> {
    if (this.closed) return Promise.reject(new AppError('UNAVAILABLE', 'signature verification is shutting down', { retryAfterS: 1 }));
    if (this.waiting + items.length > this.options.queueMax) {
      return Promise.reject(new AppError('UNAVAILABLE', `${this.waiting} signatures are waiting for verification; try again`, { retryAfterS: 1 }));
    }
    this.waiting += items.length;
    const verdicts = items.map(
      (item) => new Promise<boolean>((resolve, reject) => this.queues[this.homeOf(item)]!.push({ item, resolve, reject })),
    );
    this.scheduleFlush();
    return Promise.all(verdicts);
  }

  async close(): Promise<void> {
    this.closed = true;
    const stopped = new AppError('UNAVAILABLE', 'signature verification stopped', { retryAfterS: 1 });
    for (const queue of this.queues) for (const q of queue.splice(0)) q.reject(stopped);
    this.waiting = 0;
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
    const worker = new Worker(new URL('./verify-worker.mjs', import.meta.url), {
      execArgv: [],
      workerData: { preparedKeyBytes: this.options.preparedKeyBytes },
    });
    const thread: Thread = { worker, inFlight: new Map(), keyCache: { hits: 0, misses: 0, bytes: 0 } };
    worker.on('message', (response: VerifyResponse) => {
      thread.keyCache = response.keyCache;
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
    if (at < 0) return;
    this.retiredKeyCache.hits += thread.keyCache.hits;
    this.retiredKeyCache.misses += thread.keyCache.misses;
    this.threads[at] = this.spawn();
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
    // Each thread takes its own keys first,
    for (let sent = true; sent; ) {
      sent = false;
      this.threads.forEach((thread, i) => {
        const own = this.queues[i]!;
        if (own.length > 0 && this.hasRoom(thread)) sent = this.send(thread, own, Math.min(CHUNK_ITEMS_MAX, own.length));
      });
    }
    // then a thread with room (and so, now, nothing of its own) takes half the longest queue, whose thread is full.
    for (let sent = true; sent; ) {
      sent = false;
      for (const thread of this.threads) {
        if (!this.hasRoom(thread)) continue;
        const longest = this.queues.reduce((a, b) => (b.length > a.length ? b : a));
        if (longest.length > 0) sent = this.send(thread, longest, Math.min(CHUNK_ITEMS_MAX, Math.ceil(longest.length / 2)));
      }
    }
  }

  private hasRoom(thread: Thread): boolean {
    return thread.inFlight.size < CHUNKS_IN_FLIGHT_PER_THREAD;
  }

  private send(thread: Thread, from: Queued[], size: number): true {
    const chunk = from.splice(0, size);
    this.waiting -= chunk.length;
    const id = ++this.nextId;
    thread.inFlight.set(id, chunk);
    const request: VerifyRequest = { id, items: chunk.map((q) => q.item) };
    thread.worker.postMessage(request);
    return true;
  }

  /** The first bytes of an ML-DSA public key are its seed ρ, uniformly random: an even spread over threads. */
  private homeOf(item: VerifyItem): number {
    const key = item.publicKey;
    return ((key[0] ?? 0) | ((key[1] ?? 0) << 8)) % this.threads.length;
  }
}
