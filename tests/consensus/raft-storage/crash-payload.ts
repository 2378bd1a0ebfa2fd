import { z } from 'zod';

/** Where the crash child keeps its log: a Postgres schema (url set) or a PGlite directory. */
export const CrashTargetSchema = z.object({ url: z.string().optional(), dataDir: z.string(), schema: z.string() });
export type CrashTarget = z.infer<typeof CrashTargetSchema>;

/** The bytes of the entry at (index, term): 64 to 2,111 of them, so the parent can check every byte it was promised. */
export function crashPayload(index: number, term: number): Uint8Array {
  const sizeBytes = 64 + ((index * 131) % 2048);
  return Uint8Array.from({ length: sizeBytes }, (_, k) => (index * 2654435761 + term * 40503 + k * 97) >>> 3);
}
