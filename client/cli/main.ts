/**
 * The CLI: finds the command, parses its options (node:util parseArgs), runs it against the API,
 * and turns every failure into a readable message and an exit status: 0 done, 1 the network said
 * no or verification failed, 2 the command line is wrong. Never a stack trace unless ORACLE_DEBUG=1.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ApiError, OracleClient } from '../api/index.ts';
import { ValidatorSetError } from '../verify/index.ts';
import { UsageError, type Command, type CommandContext, type OptionValues } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { VerificationFailed } from './commands/verify.ts';
import { BIN, commandHelp, GLOBAL_OPTIONS, overview, usageLine } from './help.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  stdin?: () => Promise<string>;
  signal?: AbortSignal;
}

const URL_DEFAULT = 'http://127.0.0.1:8080';
/** Details past this many issues are summarised: a person reads the first few. */
const ISSUES_SHOWN_MAX = 10;

/** Runs one command line; resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const found = findCommand(argv);
  if (found === undefined) {
    const asked = argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help';
    if (asked && argv[1] === undefined) {
      io.stdout(`${overview(COMMANDS)}\n`);
      return 0;
    }
    const helpFor = argv[0] === 'help' ? findCommand(argv.slice(1)) : undefined;
    if (helpFor !== undefined) {
      io.stdout(`${commandHelp(helpFor.command)}\n`);
      return 0;
    }
    io.stderr(`error: unknown command '${argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')}'\n\n${overview(COMMANDS)}\n`);
    return 2;
  }
  const { command, rest } = found;
  try {
    const parsed = parseOptions(command, rest);
    if (parsed.values.help === true) {
      io.stdout(`${commandHelp(command)}\n`);
      return 0;
    }
    await command.run(contextOf(parsed.values, io), parsed.values, parsed.positionals);
    return 0;
  } catch (error) {
    io.stderr(`${describe(command, error, io.env.ORACLE_DEBUG === '1')}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** The longest command name that starts the arguments: `verify attestation x` before `verify x`. */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const command = COMMANDS.find((c) => c.name === name);
    if (command !== undefined) return { command, rest: argv.slice(words) };
  }
  return undefined;
}

function parseOptions(command: Command, args: string[]): { values: OptionValues; positionals: string[] } {
  const specs = { ...GLOBAL_OPTIONS, ...command.options };
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [name, { type: s.type, ...(s.short === undefined ? {} : { short: s.short }), ...(s.multiple === true ? { multiple: true } : {}) }]),
  );
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs names the option it did not expect; its error is a usage error.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function contextOf(values: OptionValues, io: CliIo): CommandContext {
  const url = typeof values.url === 'string' ? values.url : io.env.ORACLE_API_URL ?? URL_DEFAULT;
  const apiKey = typeof values['api-key'] === 'string' ? values['api-key'] : io.env.ORACLE_API_KEY;
  const timeoutText = typeof values['timeout-ms'] === 'string' ? values['timeout-ms'] : undefined;
  const timeoutMs = timeoutText === undefined ? undefined : Number(timeoutText);
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs <= 0)) throw new UsageError('--timeout-ms must be a positive integer');
  const headers = headersOf(values.header);
  const client = new OracleClient({ url, headers, ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }), ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  return {
    client,
    print: (value) => io.stdout(`${JSON.stringify(value, null, 2)}\n`),
    line: (text) => io.stdout(`${text}\n`),
    note: (text) => io.stderr(`${text}\n`),
    readText: async (path) => {
      if (path !== '-') return readFileOrExplain(path);
      if (io.stdin === undefined) throw new UsageError('no standard input to read');
      return io.stdin();
    },
    writeText: (path, text) => writeFile(path, text, { mode: 0o600 }),
    signal: io.signal ?? new AbortController().signal,
  };
}

/** `--header 'name: value'`, curl's form. */
function headersOf(given: OptionValues[string]): Record<string, string> {
  const lines = Array.isArray(given) ? given : given === undefined ? [] : [given];
  return Object.fromEntries(
    lines.map((line) => {
      const match = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(.*)$/.exec(String(line));
      if (match === null) throw new UsageError(`--header '${String(line)}' is not of the form 'name: value'`);
      return [match[1]!.toLowerCase(), match[2]!];
    }),
  );
}

async function readFileOrExplain(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    throw new UsageError(code === 'ENOENT' ? `no file ${path}` : `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** One failure as a person reads it: what went wrong, the server's code and status, and the first details. */
export function describe(command: Command, error: unknown, debug: boolean): string {
  const stack = debug && error instanceof Error && error.stack !== undefined ? `\n${error.stack}` : '';
  if (error instanceof UsageError) return `error: ${error.message}\nusage: ${usageLine(command)}\nRun '${BIN} ${command.name} --help' for details.${stack}`;
  if (error instanceof ApiError) {
    const where = error.status === 0 ? error.code : `${error.code}, HTTP ${error.status}`;
    const retry = error.retryAfterS === undefined ? '' : `; try again in ${error.retryAfterS} s`;
    return `error: ${error.message} (${where}${retry})${detailsOf(error.details)}${stack}`;
  }
  if (error instanceof VerificationFailed) return `verification failed: ${error.message}${stack}`;
  if (error instanceof ValidatorSetError) return `error: the validator set is not usable: ${error.message}${stack}`;
  return `error: ${error instanceof Error ? error.message : String(error)}${stack}`;
}

/** zod issues (what a 400 carries) as `  - path: message` lines; other details as compact JSON. */
function detailsOf(details: unknown): string {
  if (details === undefined || details === null) return '';
  const issues = Array.isArray(details) ? details : typeof details === 'object' && 'issues' in details && Array.isArray(details.issues) ? details.issues : undefined;
  if (issues !== undefined) {
    const lines = issues.slice(0, ISSUES_SHOWN_MAX).map((issue: unknown) => {
      const i = issue as { path?: unknown; message?: unknown };
      const path = Array.isArray(i.path) && i.path.length > 0 ? `${i.path.join('.')}: ` : '';
      return `  - ${path}${typeof i.message === 'string' ? i.message : JSON.stringify(issue)}`;
    });
    const more = issues.length > ISSUES_SHOWN_MAX ? [`  (${issues.length - ISSUES_SHOWN_MAX} more)`] : [];
    return `\n${[...lines, ...more].join('\n')}`;
  }
  return `\n  details: ${JSON.stringify(details)}`;
}
