#!/usr/bin/env node
/**
 * The client CLI's entry (package.json "bin"). The CLI is TypeScript like the rest of the package and
 * runs through tsx (a dependency, not a dev dependency, so this works after `npm ci --omit=dev`):
 * registered in this process, so there is no second process and Ctrl-C reaches the command.
 */
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../client/cli/main.ts');

const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());
const readStdin = async () => {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
};
process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  stdin: readStdin,
  signal: interrupt.signal,
});
