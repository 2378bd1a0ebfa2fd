import type { Command } from '../command.ts';
import { feedCommands } from './feeds.ts';
import { keyCommands } from './keys.ts';
import { pushCommand } from './push.ts';
import { statusCommand } from './status.ts';
import { tailCommand } from './tail.ts';
import { transferCommand } from './transfer.ts';
import { verifyCommands } from './verify.ts';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  ...feedCommands,
  pushCommand,
  tailCommand,
  ...keyCommands,
  transferCommand,
  ...verifyCommands,
  statusCommand,
];
