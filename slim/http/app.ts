import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requireCluster } from '../../runtime/cluster-auth.ts';
import { installErrorHandling } from '../../runtime/http.ts';
import type { Logger } from '../../runtime/logger.ts';
import { metricsRoute } from '../../runtime/metrics.ts';
import { requestContext } from '../../runtime/request-context.ts';
import type { LifecyclePhase, NodeHealth } from '../../schemas/index.ts';
import { probeRoutes, type ReadinessProbes } from '../../runtime/probes/readiness.ts';
import type { DeviceService } from '../devices/index.ts';
import type { FeedService } from '../feeds/index.ts';
import type { ReviewService } from '../reviews/index.ts';
import type { EasyPostWebhooks } from '../webhooks/index.ts';
import type { SlimEnv } from './env.ts';
import { deviceRoutes } from './devices.ts';
import { feedRoutes } from './feeds.ts';
import { reviewRoutes } from './reviews.ts';
import { webhookRoutes } from './webhooks.ts';

export interface SlimAppDeps {
  clusterSecret: string;
  bodyLimitBytes: number;
  logger: Logger;
  feeds: FeedService;
  devices: DeviceService;
  reviews: ReviewService;
  health: () => Promise<NodeHealth>;
  /** What `/readyz` checks; `phase` says where the process is in its life (default: running). */
  readiness?: ReadinessProbes;
  phase?: () => LifecyclePhase;
  /** EasyPost tracker events (`/external/webhooks/easypost/:feedId`). */
  easypost?: EasyPostWebhooks;
  /** Served at GET /metrics (no token, like the probes). */
  metrics?: { render(): Promise<string> };
}

/**
 * The slim worker's HTTP face. Paths are the public ones (the gateway forwards them unchanged);
 * everything but `/livez` answers cluster members only.
 */
export function createSlimApp(deps: SlimAppDeps): Hono {
  const root = new Hono();
  installErrorHandling(root, deps.logger);

  // Liveness and readiness for process supervisors: no token (they hold no data).
  probeRoutes(root, deps.readiness ?? {}, deps.phase);
  const metrics = deps.metrics;
  if (metrics !== undefined) metricsRoute(root, () => metrics.render());
  // After the probes and metrics: every API request is handled (and logged) under its request id.
  root.use('*', requestContext(deps.logger));

  // The API proper, typed with the principal the cluster-auth middleware sets.
  const api = new Hono<SlimEnv>();
  api.use('/api/v11/*', requireCluster(deps.clusterSecret));
  api.use('/api/v11/*', bodyLimit({ maxSize: deps.bodyLimitBytes }));
  api.get('/api/v11/health', async (c) => c.json(await deps.health()));
  feedRoutes(api, deps.feeds);
  if (deps.easypost !== undefined) webhookRoutes(api, deps.easypost);
  deviceRoutes(api, deps.devices);
  reviewRoutes(api, deps.reviews);
  root.route('/', api);
  return root;
}
