import { AppError } from '../../runtime/errors.ts';

/**
 * The work's result, or undefined once `waitMs` passed first. The work goes on: a commit may land
 * after we stop waiting, and its late failure is nobody's error.
 */
export async function waitAtMost<T extends object>(work: Promise<T>, waitMs: number): Promise<T | undefined> {
  work.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), waitMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Waits for submitted work at most `waitMs`, then fails with a retryable UNAVAILABLE. Nothing is
 * lost when the commit lands later: a retry answers "duplicate" (attest is idempotent).
 */
export async function waitForCommit<T extends object>(work: Promise<T>, waitMs: number, retryAfterS: number): Promise<T> {
  const result = await waitAtMost(work, waitMs);
  if (result === undefined) throw new AppError('UNAVAILABLE', `events not committed within ${waitMs} ms; deliver again`, { retryAfterS });
  return result;
}
