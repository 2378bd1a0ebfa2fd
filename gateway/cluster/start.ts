import cluster from 'node:cluster';
import type { StartNode } from '../../runtime/node.ts';
import { launchGateway } from '../index.ts';
import { startGatewayPrimary } from './primary.ts';
import { gatewayWorkerCount, workerShareOf } from './share.ts';

/**
 * The gateway role: one process serving the port (GATEWAY_WORKERS=1, the default), or a primary
 * and its workers. A worker enforces its share of the in-process caps (workerShareOf). Workers run
 * bin/role.ts and read the environment, as the primary's config was read: several processes are
 * for the role entry point, not for callers that build a config themselves.
 */
export const startGateway: StartNode = (config, logger) => {
  const workers = gatewayWorkerCount(config);
  if (workers <= 1) return launchGateway(config, logger);
  if (cluster.isPrimary) return startGatewayPrimary(config, logger, workers);
  return launchGateway(workerShareOf(config, workers), logger.child({ worker: cluster.worker?.id }), { processes: workers });
};
