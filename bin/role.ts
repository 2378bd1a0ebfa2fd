/**
 * Runs one role of the network in this process: `tsx bin/role.ts <gateway|validator|slim>`
 * (or ROLE in the environment). Configuration comes from the environment only.
 */
import { ConfigError, loadConfig } from '../runtime/config.ts';
import { createLogger } from '../runtime/logger.ts';
import { NodeRole } from '../schemas/index.ts';
import { ROLE_STARTERS } from './roles.ts';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const arg = process.argv[2];
  const role = arg === undefined ? undefined : NodeRole.safeParse(arg);
  if (role !== undefined && !role.success) {
    console.error(`unknown role "${arg}": use one of ${NodeRole.options.join(', ')}`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig(process.env, role?.data);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const logger = createLogger(config.ROLE, config.LOG_LEVEL);
  const node = await ROLE_STARTERS[config.ROLE](config, logger);
  logger.info({ url: node.url }, `${config.ROLE} listening`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
    force.unref();
    node.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
