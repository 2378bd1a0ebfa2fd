import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { Config } from '../../runtime/config.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { RunningNode } from '../../runtime/node.ts';
import { readClusterMessage, type ClusterMessage } from './messages.ts';

/** Every gateway process runs the role entry point, whichever entry started the primary. */
const ROLE_ENTRY = fileURLToPath(new URL('../../bin/role.ts', import.meta.url));
/** A worker that died is replaced after this long, doubling while replacements keep dying… */
const RESPAWN_DELAY_MS_MIN = 500;
const RESPAWN_DELAY_MS_MAX = 30_000;
/** …and back to the minimum once a replacement has lived this long. */
const RESPAWN_STABLE_MS = 60_000;
/** A collection waits this long for every worker's series, then merges what arrived. */
const METRICS_COLLECT_TIMEOUT_MS = 2_000;
/** Workers asked to stop get this long before they are killed: inside bin/role.ts's own grace, so the primary still exits 0. */
const STOP_GRACE_MS = 8_000;

type Series = MetricObjectWithValues<MetricValue<string>>[];

/**
 * The gateway's primary process when GATEWAY_WORKERS > 1: it serves nothing itself. It starts the
 * first worker alone (so only one process runs migrations and bootstraps the admin key), then the
 * rest, and is started once all listen; replaces a worker that dies, with backoff; merges every worker's metrics for a scrape; and
 * stops the workers on close. Connections reach the workers round-robin (node:cluster's default).
 */
export async function startGatewayPrimary(config: Config, logger: Logger, workers: number): Promise<RunningNode> {
  cluster.setupPrimary({ exec: ROLE_ENTRY, args: ['gateway'] });
  let stopping = false;
  let respawnDelayMs = RESPAWN_DELAY_MS_MIN;
  const respawns = new Set<NodeJS.Timeout>();
  const metrics = new MetricsMerge(logger);

  const fork = (): Worker => {
    const worker = cluster.fork();
    const bornAt = Date.now();
    worker.on('message', (raw: unknown) => metrics.onMessage(worker, raw));
    worker.once('exit', (code, signal) => {
      metrics.forget(worker);
      if (stopping) return;
      if (Date.now() - bornAt >= RESPAWN_STABLE_MS) respawnDelayMs = RESPAWN_DELAY_MS_MIN;
      logger.error({ worker: worker.id, code, signal, respawnInMs: respawnDelayMs }, 'gateway worker died; starting a replacement');
      const delay = respawnDelayMs;
      respawnDelayMs = Math.min(RESPAWN_DELAY_MS_MAX, respawnDelayMs * 2);
      // Not unref'd: with every worker dead, this timer is what keeps the primary alive to replace them.
      const timer = setTimeout(() => {
        respawns.delete(timer);
        if (!stopping) fork();
      }, delay);
      respawns.add(timer);
    });
    return worker;
  };

  const listening = (worker: Worker) =>
    new Promise<number>((resolve, reject) => {
      worker.once('listening', (address) => resolve(address.port));
      worker.once('exit', (code) => reject(new Error(`gateway worker ${worker.id} exited (${code}) before it listened`)));
    });
  const stopAll = () => {
    stopping = true;
    for (const timer of respawns) clearTimeout(timer);
    respawns.clear();
    return Promise.all(Object.values(cluster.workers ?? {}).map((w) => (w === undefined ? undefined : stopWorker(w))));
  };
  let port: number;
  try {
    port = await listening(fork());
    // Started means every worker serves: a client of a started gateway never depends on one process alone.
    await Promise.all(Array.from({ length: workers - 1 }, () => listening(fork())));
  } catch (error) {
    // A failed start leaves no worker (nor a replacement) behind.
    await stopAll();
    throw error;
  }
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  logger.info({ url, workers }, 'gateway processes started');

  return {
    role: 'gateway',
    url,
    port,
    close: async () => {
      await stopAll();
    },
  };
}

function stopWorker(worker: Worker): Promise<void> {
  if (worker.isDead()) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => worker.process.kill('SIGKILL'), STOP_GRACE_MS);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    // The worker's own signal handler closes its server, connections and storage in order.
    worker.process.kill('SIGTERM');
  });
}

interface Collection {
  asker: Worker;
  askerId: number;
  pending: Set<Worker>;
  series: Series[];
  timer: NodeJS.Timeout;
}

/** Scrapes across the workers: one collection per scrape, merged with prom-client's aggregation. */
class MetricsMerge {
  private readonly collections = new Map<number, Collection>();
  private nextId = 0;

  constructor(private readonly logger: Logger) {}

  onMessage(worker: Worker, raw: unknown): void {
    const message = readClusterMessage(raw);
    if (message?.type === 'gateway-cluster:metrics-request') this.collect(worker, message.id);
    else if (message?.type === 'gateway-cluster:metrics-snapshot') this.received(worker, message.id, message.metrics as Series);
  }

  /** A worker left: no collection waits for it. */
  forget(worker: Worker): void {
    for (const [id, c] of this.collections) {
      if (c.pending.delete(worker) && c.pending.size === 0) this.finish(id);
    }
  }

  private collect(asker: Worker, askerId: number): void {
    const id = this.nextId++;
    const live = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
    const timer = setTimeout(() => this.finish(id), METRICS_COLLECT_TIMEOUT_MS);
    this.collections.set(id, { asker, askerId, pending: new Set(live), series: [], timer });
    for (const w of live) send(w, { type: 'gateway-cluster:metrics-collect', id });
  }

  private received(worker: Worker, id: number, series: Series): void {
    const c = this.collections.get(id);
    if (c === undefined || !c.pending.delete(worker)) return;
    c.series.push(series);
    if (c.pending.size === 0) this.finish(id);
  }

  private finish(id: number): void {
    const c = this.collections.get(id);
    if (c === undefined) return;
    this.collections.delete(id);
    clearTimeout(c.timer);
    if (c.pending.size > 0) this.logger.warn({ missing: [...c.pending].map((w) => w.id) }, 'metrics merged without some gateway workers');
    AggregatorRegistry.aggregate(c.series)
      .metrics()
      .then(
        (text) => send(c.asker, { type: 'gateway-cluster:metrics-text', id: c.askerId, text }),
        (err: unknown) => this.logger.error({ err }, 'merging the gateway workers’ metrics failed'),
      );
  }
}

function send(worker: Worker, message: ClusterMessage): void {
  if (worker.isConnected()) worker.send(message);
}
