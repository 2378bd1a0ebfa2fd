import type { Logger } from './logger.ts';
import type { Config } from './config.ts';

/** A started role: where it listens and how to stop it cleanly. */
export interface RunningNode {
  readonly role: Config['ROLE'];
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export type StartNode = (config: Config, logger: Logger) => Promise<RunningNode>;

/** The node's Postgres schema: configured, or derived from role and port so nodes sharing a database stay apart. */
export const nodeSchema = (config: Config): string => config.DB_SCHEMA ?? `${config.ROLE}_${config.PORT}`;

/** The node's PGlite directory in embedded mode. */
export const nodeDataDir = (config: Config): string =>
  config.DATA_DIR.startsWith('memory://') ? config.DATA_DIR : `${config.DATA_DIR.replace(/\/$/, '')}/${config.ROLE}-${config.PORT}`;
