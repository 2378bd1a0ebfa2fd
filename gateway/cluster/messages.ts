import { z } from 'zod';

/**
 * What the gateway's processes say to each other over the cluster's IPC channel. Only metrics
 * cross it: every process serves /metrics, and each scrape must see the whole gateway, so the
 * serving process asks the primary, which collects every process's series and merges them.
 */
export const ClusterMessage = z.discriminatedUnion('type', [
  /** Worker → primary: a scrape arrived; answer `id` with the merged text. */
  z.object({ type: z.literal('gateway-cluster:metrics-request'), id: z.number().int() }),
  /** Primary → worker: send your series for collection `id`. */
  z.object({ type: z.literal('gateway-cluster:metrics-collect'), id: z.number().int() }),
  /** Worker → primary: one process's series (prom-client's JSON form). */
  z.object({ type: z.literal('gateway-cluster:metrics-snapshot'), id: z.number().int(), metrics: z.array(z.unknown()) }),
  /** Primary → worker: the merged exposition for request `id`. */
  z.object({ type: z.literal('gateway-cluster:metrics-text'), id: z.number().int(), text: z.string() }),
]);
export type ClusterMessage = z.infer<typeof ClusterMessage>;

/** A message from the channel, or null when it is not one of ours (prom-client and Node use the channel too). */
export function readClusterMessage(raw: unknown): ClusterMessage | null {
  const parsed = ClusterMessage.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
