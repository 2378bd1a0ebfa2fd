import type { Approval, ChannelEvent, Observation, QualityReport } from '../../schemas/index.ts';

/**
 * The event a tokenization channel carries for one observation. Its id is the observation's id,
 * so however often it is redelivered the ledger applies it once.
 */
export function channelEventOf(
  observationId: string,
  observation: Observation,
  quality: QualityReport,
  publishedAt: Date,
  approval?: Approval,
): ChannelEvent {
  const event: ChannelEvent = {
    id: observationId,
    channel: observation.category,
    feedId: observation.feedId,
    assetId: observation.assetId,
    observation,
    quality,
    publishedAt: publishedAt.toISOString(),
  };
  if (approval !== undefined) event.approval = approval;
  return event;
}
