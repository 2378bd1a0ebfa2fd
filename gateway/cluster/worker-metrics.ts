import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { readClusterMessage, type ClusterMessage } from './messages.ts';

/** A scrape waits this long for the primary's merged answer. */
const METRICS_ANSWER_TIMEOUT_MS = 5_000;

type Snapshot = () => Promise<MetricObjectWithValues<MetricValue<string>>[]>;

/**
 * A worker's side of cluster-wide metrics: it answers the primary's collections with its own
 * series, and serves a scrape with the primary's merge of every worker's. Returns the scrape's
 * text source and a function that stops listening.
 */
export function clusterMetricsOfWorker(snapshot: Snapshot): { text: () => Promise<string>; stop: () => void } {
  const send = (message: ClusterMessage) => process.send?.(message);
  const waiting = new Map<number, (text: string) => void>();
  let nextId = 0;
  const onMessage = (raw: unknown) => {
    const message = readClusterMessage(raw);
    if (message?.type === 'gateway-cluster:metrics-collect') {
      const { id } = message;
      // A worker that cannot read its own series sends none: the merge goes on without it.
      snapshot().then(
        (metrics) => send({ type: 'gateway-cluster:metrics-snapshot', id, metrics }),
        () => send({ type: 'gateway-cluster:metrics-snapshot', id, metrics: [] }),
      );
    } else if (message?.type === 'gateway-cluster:metrics-text') {
      waiting.get(message.id)?.(message.text);
      waiting.delete(message.id);
    }
  };
  process.on('message', onMessage);
  const text = () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the gateway primary did not merge the metrics in time'));
      }, METRICS_ANSWER_TIMEOUT_MS);
      waiting.set(id, (merged) => {
        clearTimeout(timer);
        resolve(merged);
      });
      send({ type: 'gateway-cluster:metrics-request', id });
    });
  return { text, stop: () => process.off('message', onMessage) };
}
