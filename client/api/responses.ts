/** Answers of the public API that have no schema of their own in schemas/: built from its parts. */
import { z } from 'zod';
import { Category, Decision, Device, Feed, Hash32, QualityReport, TxStatus } from '../../schemas/index.ts';

export const FeedList = z.object({ feeds: z.array(Feed) });
export const DeviceList = z.object({ devices: z.array(Device) });

export const PushResult = z.object({
  observationId: z.string(),
  decision: Decision,
  score: z.number(),
  quality: QualityReport,
  reviewId: z.string().optional(),
});
export type PushResult = z.infer<typeof PushResult>;
export const PushResults = z.object({ results: z.array(PushResult) });

export const ChannelSummary = z.object({ name: Category, events: z.number().int(), lastSequence: z.number().int().nullable() });
export type ChannelSummary = z.infer<typeof ChannelSummary>;
export const ChannelList = z.object({ channels: z.array(ChannelSummary) });


/** POST /transaction: the transaction's hash and status; other fields the node adds are kept. */
export const SubmittedTransaction = z.looseObject({ hash: Hash32, status: TxStatus });
export type SubmittedTransaction = z.infer<typeof SubmittedTransaction>;

/** GET /state/accounts/:id: the next nonce the account must use; balances and the rest kept as sent. */
export const Account = z.looseObject({ nonce: z.number().int().min(0) });
export type Account = z.infer<typeof Account>;
