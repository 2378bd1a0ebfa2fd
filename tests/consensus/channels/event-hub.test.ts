/**
 * The node's hub of committed events (consensus/channels/event-hub.ts): how it starts.
 */
import { describe, expect, it } from 'vitest';
import { CommittedEventHub, type CommittedEventSource } from '../../../consensus/channels/event-hub.ts';
import { AppError } from '../../../runtime/errors.ts';
import { silentLogger } from '../fixtures.ts';

/** Storage that is down for its first `failures` reads of the head, then answers `head`. */
function flakySource(failures: number, head: number): CommittedEventSource & { headReads: number } {
  const source = {
    headReads: 0,
    lastCommittedSequence: async () => {
      source.headReads += 1;
      if (source.headReads <= failures) throw new AppError('UNAVAILABLE', 'database unavailable');
      return head;
    },
    committedEventsSince: async () => [],
    committedEventsAfter: async () => [],
  };
  return source;
}

describe('committed event hub', () => {
  it('starts on a later subscriber after its first start failed because storage was down', async () => {
    const stop = new AbortController();
    const source = flakySource(1, 42);
    const hub = new CommittedEventHub({ source, pageEvents: 10, pollMs: 60_000, signal: stop.signal, logger: silentLogger });
    try {
      await expect(hub.ready()).rejects.toThrow('database unavailable');
      await expect(hub.ready()).resolves.toBeUndefined();
      expect(hub.headSequence).toBe(42);
      expect(source.headReads).toBe(2);
    } finally {
      stop.abort();
    }
  });

  it('reads the head once however many subscribers wait for the start', async () => {
    const stop = new AbortController();
    const source = flakySource(0, 7);
    const hub = new CommittedEventHub({ source, pageEvents: 10, pollMs: 60_000, signal: stop.signal, logger: silentLogger });
    try {
      await Promise.all([hub.ready(), hub.ready(), hub.ready()]);
      await hub.ready();
      expect(source.headReads).toBe(1);
    } finally {
      stop.abort();
    }
  });
});
