import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requireCluster, requireNodeCaller } from '../../runtime/cluster-auth.ts';
import { installErrorHandling } from '../../runtime/http.ts';
import { probeRoutes } from '../../runtime/probes/readiness.ts';
import type { ValidatorHttpDeps } from './deps.ts';
import { consensusMetricsRoutes } from '../metrics/registry.ts';
import { timedSubmissions } from '../metrics/timed-submissions.ts';
import { requestContext } from '../../runtime/request-context.ts';
import { readConsistency } from './read-consistency.ts';
import { clusterRoutes } from './routes/cluster.ts';
import { peerRoutes } from './routes/peer.ts';
import { attestationRoutes } from './routes/attestations.ts';
import { channelRoutes } from './routes/channels.ts';
import { consensusRoutes } from './routes/consensus.ts';
import { healthRoutes, validatorReadiness } from './routes/health.ts';
import { internalRoutes } from './routes/internal.ts';
import { stateRoutes } from './routes/state.ts';
import { transactionRoutes } from './routes/transactions.ts';
import { submitTransactionRoutes } from './routes/submit-transaction.ts';

/** The gateway forwards public paths unchanged, so the validator serves under the same prefix. */
export const API_PREFIX = '/api/v11';

export function createValidatorApp(given: ValidatorHttpDeps): Hono {
  const app = new Hono();
  installErrorHandling(app, given.logger);
  // Prometheus scrapes without the cluster token: the metrics hold no data, only the node's progress.
  const metrics = consensusMetricsRoutes(app, given.consensus, { signatureKeyCache: () => given.submissions.keyCacheStats() });
  given.consensus.onCommittedBlock((txCount) => metrics.committedTxs(txCount));
  // Submissions over HTTP, channel deliveries and signed user transactions alike, are timed to their commit (aurigraph_transaction_latency_ms).
  const timed = timedSubmissions(given.consensus, (ms) => metrics.transactionCommitted(ms));
  const deps: ValidatorHttpDeps = { ...given, consensus: timed, submissions: given.submissions.over(timed) };
  // Liveness and readiness: no data, so no cluster token needed (process supervisors probe them).
  probeRoutes(app, validatorReadiness(deps), deps.phase);
  // Raft traffic authenticates each request with its own HMAC headers and has its own (larger) body bound.
  if (deps.peer !== undefined) peerRoutes(app, deps.peer);
  // After the probes, metrics and Raft traffic: every other request is handled (and logged) under its request id.
  app.use('*', requestContext(deps.logger));
  // Registered after /livez: everything else, unknown paths included, is for the cluster only.
  app.use('*', requireCluster(deps.clusterSecret));
  app.use('*', bodyLimit({ maxSize: deps.bodyLimitBytes }));
  app.use(`${API_PREFIX}/internal/*`, requireNodeCaller());
  for (const path of ['/state/*', '/transaction/*', '/consensus/blocks/*', '/query/*', '/channels', '/channels/*']) {
    app.use(`${API_PREFIX}${path}`, readConsistency(deps.consensus));
  }

  const api = new Hono();
  healthRoutes(api, deps, () => metrics.tpsCurrent());
  consensusRoutes(api, deps);
  transactionRoutes(api, deps);
  submitTransactionRoutes(api, deps);
  stateRoutes(api, deps);
  attestationRoutes(api, deps);
  channelRoutes(api, deps);
  internalRoutes(api, deps);
  if (deps.cluster !== undefined) clusterRoutes(api, deps.cluster);
  app.route(API_PREFIX, api);
  return app;
}
