import { z } from 'zod';

/** Block heights and event sequences in paths, queries and headers: decimal, no sign, within 2^53. */
export const NonNegativeIntText = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,14})$/, 'a non-negative integer')
  .transform(Number);
