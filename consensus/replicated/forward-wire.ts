import { z } from 'zod';
import { Hash32, Transaction } from '../../schemas/index.ts';
import { LEDGER_REJECTION_CODES } from '../ledger/index.ts';

/** How many transactions one forwarded submission may carry. */
export const FORWARD_TXS_MAX = 10_000;

/** A follower or business node hands transactions to the leader: they are ordered only there. */
export const ForwardedSubmission = z.object({ transactions: z.array(Transaction).min(1).max(FORWARD_TXS_MAX) });
export type ForwardedSubmission = z.infer<typeof ForwardedSubmission>;

export const ForwardedOutcome = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('committed'), txHash: Hash32, height: z.number().int().min(0), index: z.number().int().min(0) }),
  z.object({ kind: z.literal('duplicate'), txHash: Hash32, height: z.number().int().min(0) }),
  z.object({
    kind: z.literal('rejected'),
    txHash: Hash32,
    code: z.enum(LEDGER_REJECTION_CODES),
    message: z.string(),
  }),
]);

export const ForwardedOutcomes = z.object({ outcomes: z.array(ForwardedOutcome) });
export type ForwardedOutcomes = z.infer<typeof ForwardedOutcomes>;

export const FORWARD_PATH = '/api/v11/internal/consensus/submit';
