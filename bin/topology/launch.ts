/**
 * Runs `bin/topology.ts` as a child process and resolves once every node is ready (it writes its
 * state file then): for the end-to-end suite and the load bench.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TopologyState } from './state.ts';

const SCRIPT = fileURLToPath(new URL('../topology.ts', import.meta.url));
const POLL_MS = 500;
/** What is kept of the script's own output, for the error of a failed start. */
const OUTPUT_CHARS_MAX = 20_000;

export interface LaunchOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Logs, data and the state file. */
  dir: string;
  timeoutMs: number;
  /** Extra variables for the script (and so for every node, where compose.yaml sets none). */
  env?: Record<string, string>;
}

export interface LaunchedTopology {
  state: TopologyState;
  /** SIGTERM: every role stops and the run's database is dropped; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export function launchTopology(options: LaunchOptions): Promise<LaunchedTopology> {
  const stateFile = `${options.dir}/topology.json`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SCRIPT, '--free-ports', '--dir', options.dir, '--state-file', stateFile, '--database-url', options.databaseUrl, '--redis-url', options.redisUrl],
    { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-OUTPUT_CHARS_MAX);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const stop = async () => {
    if (!done) child.kill('SIGTERM');
    return exited;
  };
  return (async () => {
    const deadline = Date.now() + options.timeoutMs;
    while (Date.now() < deadline) {
      if (done) throw new Error(`the topology exited while starting:\n${output}`);
      if (existsSync(stateFile)) return { state: TopologyState.parse(JSON.parse(readFileSync(stateFile, 'utf8'))), stop };
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    await stop();
    throw new Error(`the topology was not ready within ${options.timeoutMs / 1000} s:\n${output}`);
  })();
}
