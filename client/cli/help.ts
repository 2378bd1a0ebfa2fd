import type { Command, OptionSpec } from './command.ts';

export const BIN = 'oracle-net';

/** Options every command takes; the environment gives their defaults. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', value: '<url>', description: 'the gateway (env ORACLE_API_URL; default http://127.0.0.1:8080)' },
  'api-key': { type: 'string', value: '<key>', description: 'your API key (env ORACLE_API_KEY)' },
  header: { type: 'string', short: 'H', multiple: true, value: "'<name>: <value>'", description: 'an extra request header, repeatable (e.g. what a proxy in front asks for)' },
  'timeout-ms': { type: 'string', value: '<ms>', description: 'per request (default 15000)' },
  help: { type: 'boolean', short: 'h', description: 'explain the command' },
};

export function usageLine(command: Command): string {
  return `${BIN} ${command.name}${command.args === undefined ? '' : ` ${command.args}`}${Object.keys(command.options).length > 0 ? ' [options]' : ''}`;
}

export function overview(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `${BIN}: the tokenization oracle network's client for providers and dApps`,
    '',
    `usage: ${BIN} <command> [arguments] [options]`,
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'options of every command:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    `Run '${BIN} <command> --help' for a command's arguments and options.`,
    'Results are JSON on standard output; errors name the server\'s code and message on standard error',
    '(exit status 1; 2 for a mistake in the command line).',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return [
    `${BIN} ${command.name}: ${command.summary}`,
    '',
    `usage: ${usageLine(command)}`,
    ...(Object.keys(command.options).length > 0 ? ['', 'options:', ...optionLines(command.options)] : []),
    ...(command.details === undefined ? [] : ['', command.details]),
    '',
    `Every command also takes ${Object.keys(GLOBAL_OPTIONS).map((o) => `--${o}`).join(', ')} (see ${BIN} --help).`,
  ].join('\n');
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const left = Object.entries(options).map(([name, spec]) => `--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`);
  const width = Math.max(...left.map((l) => l.length));
  return Object.values(options).map((spec, i) => `  ${left[i]!.padEnd(width)}  ${spec.description}`);
}
