import { z } from 'zod';

/** The five data categories; each has its own tokenization channel. */
export const CATEGORIES = ['market', 'real_estate', 'carbon', 'iot', 'weather'] as const;
export const Category = z.enum(CATEGORIES);
export type Category = z.infer<typeof Category>;

/** Identifiers chosen by users (feed ids are generated, asset ids are given). */
export const Identifier = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only, starting with a letter or digit');

export const IsoTimestamp = z.iso.datetime({ offset: true });

export const HexString = z.string().regex(/^[0-9a-f]*$/, 'lower-case hex');
export const Hash32 = z.string().regex(/^[0-9a-f]{64}$/, '32-byte lower-case hex hash');

export const Roles = ['admin', 'provider', 'dapp', 'reviewer', 'operator'] as const;
export const Role = z.enum(Roles);
export type Role = z.infer<typeof Role>;

/** Per-category freshness SLA in milliseconds (architecture: quality chain). */
export const FRESHNESS_SLA_MS: Record<Category, number> = {
  market: 5_000,
  weather: 60_000,
  carbon: 300_000,
  iot: 30_000,
  real_estate: 3_600_000,
};
