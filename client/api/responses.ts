/** Answers of the public API that have no schema of their own in schemas/: built from its parts. */
import { z } from 'zod';
import { Category, Decision, Device, Feed, QualityReport } from '../../schemas/index.ts';

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


