import type { OracleClient } from '../api/index.ts';

/** An option as node:util parseArgs takes it, with the line `--help` prints. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown in help, e.g. `<file>`. */
  value?: string;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a command gets to do its work: the API client, output, the environment, cancellation. */
export interface CommandContext {
  client: OracleClient;
  /** Prints a value as the command's result (JSON). */
  print(value: unknown): void;
  /** Prints one line to standard output (NDJSON streams, plain results). */
  line(text: string): void;
  /** Prints a note for a person to standard error (never mixed into results). */
  note(text: string): void;
  /** Reads a file, or standard input for `-`. */
  readText(path: string): Promise<string>;
  writeText(path: string, text: string): Promise<void>;
  /** Aborted on Ctrl-C: long commands (tail) end cleanly. */
  signal: AbortSignal;
}

export interface Command {
  /** One or two words: `feeds list`. */
  name: string;
  summary: string;
  /** Positional arguments as help shows them, e.g. `<feedId>`. */
  args?: string;
  /** Paragraphs printed by `<command> --help` after the options. */
  details?: string;
  options: Record<string, OptionSpec>;
  run(context: CommandContext, options: OptionValues, positionals: string[]): Promise<void>;
}

/** A mistake in how the command was called: printed with the command's usage, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function stringOption(options: OptionValues, name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredOption(options: OptionValues, name: string): string {
  const value = stringOption(options, name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

export function numberOption(options: OptionValues, name: string): number | undefined {
  const text = stringOption(options, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got '${text}'`);
  return value;
}

export function positional(positionals: string[], index: number, name: string): string {
  const value = positionals[index];
  if (value === undefined) throw new UsageError(`missing ${name}`);
  return value;
}

/** JSON from a file or standard input, with the file named in the error. */
export async function readJsonFile(context: CommandContext, path: string): Promise<unknown> {
  const text = await context.readText(path);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path === '-' ? 'standard input' : path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
