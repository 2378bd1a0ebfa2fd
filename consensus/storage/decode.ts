import type { z } from 'zod';
import { AppError } from '../../runtime/errors.ts';

/**
 * Rows come back from the database as plain JSON: parse them at this boundary.
 * A row that does not match what we wrote is corrupt storage, not bad input.
 */
export function decodeRow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError('INVARIANT_VIOLATED', `stored ${what} does not match its schema`, { details: parsed.error.issues.slice(0, 5) });
  }
  return parsed.data;
}
