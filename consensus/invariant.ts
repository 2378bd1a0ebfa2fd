import { AppError } from '../runtime/errors.ts';

/**
 * Asserts what must hold for the chain to be sound. A failure means a bug or corrupt
 * storage: the caller stops the node rather than commit a state it cannot trust.
 */
export function invariant(condition: unknown, message: string, details?: unknown): asserts condition {
  if (!condition) throw new AppError('INVARIANT_VIOLATED', `invariant violated: ${message}`, { details });
}

export const isInvariantViolation = (e: unknown): boolean => e instanceof AppError && e.code === 'INVARIANT_VIOLATED';
