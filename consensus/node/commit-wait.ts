import { AppError } from '../../runtime/errors.ts';

/**
 * Waits for submitted work at most `waitMs`, then fails with a retryable UNAVAILABLE. The commit may
 * still land after we stop waiting: nothing is lost, and a retry answers "duplicate" (attest is
 * idempotent), so its late failure is not reported anywhere.
 */
export function waitForCommit<T>(work: Promise<T>, waitMs: number, retryAfterS: number): Promise<T> {
  work.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('UNAVAILABLE', `events not committed within ${waitMs} ms; deliver again`, { retryAfterS })), waitMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
