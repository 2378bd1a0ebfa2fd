import { describe, expect, it } from 'vitest';
import { Announcer } from '../../../runtime/announce/announcer.ts';
import { InProcessDirectory } from '../../../runtime/announce/memory-directory.ts';
import type { NodeAnnouncement } from '../../../schemas/index.ts';
import { captureLogger } from '../../gateway/support.ts';

const INTERVAL_MS = 40;
const ANNOUNCEMENT: NodeAnnouncement = { nodeId: 'slim@127.0.0.1:9013', pool: 'slim', url: 'http://127.0.0.1:9013', weight: 1, ttlMs: 5_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An in-process directory that counts heartbeats and fails the first `failures` of them. */
class CountingDirectory extends InProcessDirectory {
  announced = 0;
  closed = false;
  constructor(private failures = 0) {
    super();
  }
  override announce(a: NodeAnnouncement): Promise<void> {
    this.announced++;
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new Error('directory unreachable'));
    }
    return super.announce(a);
  }
  override close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

describe('the announcer', () => {
  it('announces at once and renews every interval', async () => {
    const directory = new CountingDirectory();
    const announcer = new Announcer(directory, ANNOUNCEMENT, { intervalMs: INTERVAL_MS, callTimeoutMs: 1_000 }, captureLogger().logger);
    announcer.start();
    await sleep(INTERVAL_MS * 4);
    await announcer.stop();
    expect(directory.announced).toBeGreaterThanOrEqual(3);
  });

  it('keeps announcing through failed heartbeats and logs the outage once', async () => {
    const directory = new CountingDirectory(3);
    const { logger, logs } = captureLogger();
    const announcer = new Announcer(directory, ANNOUNCEMENT, { intervalMs: INTERVAL_MS, callTimeoutMs: 1_000 }, logger);
    announcer.start();
    await sleep(INTERVAL_MS * 8);
    const liveBeforeStop = (await directory.live()).map((n) => n.nodeId);
    await announcer.stop();
    expect(liveBeforeStop).toEqual([ANNOUNCEMENT.nodeId]);
    expect(logs.filter((l) => l.includes('announcement failed'))).toHaveLength(1);
    expect(logs.filter((l) => l.includes('reach the directory again'))).toHaveLength(1);
  });

  it('withdraws, closes the directory and stops renewing when stopped', async () => {
    const directory = new CountingDirectory();
    const announcer = new Announcer(directory, ANNOUNCEMENT, { intervalMs: INTERVAL_MS, callTimeoutMs: 1_000 }, captureLogger().logger);
    announcer.start();
    await sleep(INTERVAL_MS);
    await announcer.stop();
    const afterStop = directory.announced;
    await sleep(INTERVAL_MS * 3);
    expect(await directory.live()).toEqual([]);
    expect(directory.closed).toBe(true);
    expect(directory.announced).toBe(afterStop);
  });
});
