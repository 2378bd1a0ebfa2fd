import type { ServerResponse } from 'node:http';
import type { ClientSignal } from './transport.ts';

/**
 * The client's signal on the Node fast path: aborted when its response closes before it finished
 * (the client went away). A plain object with at most a couple of listeners, in place of an
 * AbortController and its EventTarget per request.
 */
export class ResponseSignal implements ClientSignal {
  aborted = false;
  reason: unknown = undefined;
  /** One exchange listens at a time (a retry's starts after the first's ended), so this stays tiny. */
  private listeners: (() => void)[] | null = null;

  constructor(res: ServerResponse) {
    // 'close' comes once per response, so `on` is enough (no once-wrapper to allocate).
    res.on('close', () => {
      if (!res.writableFinished) this.abort(new ClientGoneError());
    });
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    // Like an AbortSignal: a listener added after the abort is never called.
    if (!this.aborted) (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.listeners;
    const at = listeners === null ? -1 : listeners.indexOf(listener);
    if (at !== -1) listeners?.splice(at, 1);
  }

  private abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners ?? [];
    this.listeners = null;
    for (const listener of listeners) listener();
  }
}

/** Why the exchange of a client that went away was aborted. */
class ClientGoneError extends Error {
  override name = 'AbortError';
  constructor() {
    super('the client closed the request');
  }
}
