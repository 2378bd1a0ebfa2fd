import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { DemoCredentials } from '../../demo/bootstrap.ts';
import { Attestation, ConsensusStatus } from '../../schemas/index.ts';
import { tempDir } from '../support/databases.ts';
import { call, eventually } from '../support/network.ts';

/** As long as bin/start.ts itself waits for the network (a loaded CI machine takes minutes). */
const STARTUP_TIMEOUT_MS = 240_000;
// Far from the default ports, so a network started by hand on this machine does not collide.
const PORT_OFFSET = 20_000 + (process.pid % 500) * 20;
const GATEWAY = `http://127.0.0.1:${8080 + PORT_OFFSET}/api/v11`;

const dir = tempDir('npm-start');
afterAll(() => dir.remove());

/** Runs the start script as `npm start` does, and resolves once it prints that the network is up. */
function startNetwork(): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts', '--data-dir', dir.path, '--port-offset', String(PORT_OFFSET)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Whatever the shell running the tests has set, the script must make its own keys and secret.
    env: { ...process.env, ADMIN_API_KEY: '', CLUSTER_SECRET: '', DATABASE_URL: '' },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    // A network that did not come up in time is stopped before the test fails, so the next one finds its ports free.
    const timer = setTimeout(() => {
      child.removeAllListeners('exit');
      child.once('exit', () => reject(new Error(`no start within ${STARTUP_TIMEOUT_MS} ms:\n${output}`)));
      child.kill('SIGINT');
    }, STARTUP_TIMEOUT_MS);
    child.stdout?.on('data', () => {
      if (output.includes('Ctrl-C stops everything')) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`start exited with ${code}:\n${output}`));
    });
  });
}

function stopNetwork(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

const credentials = () => DemoCredentials.parse(JSON.parse(readFileSync(`${dir.path}/credentials.json`, 'utf8')));

describe('npm start', () => {
  let firstHeight = 0;
  let firstAdminKey = '';

  it(
    'starts every role with demo feeds whose readings get attested, then stops cleanly',
    async () => {
      const { child, output } = await startNetwork();
      try {
        expect(output()).toContain('admin key');
        const saved = credentials();
        firstAdminKey = saved.adminKey;
        const dapp = saved.keys?.dapp ?? '';
        const weather = saved.feeds?.weather ?? '';
        const attestation = await eventually(async () => {
          const r = await call(`${GATEWAY}/query/attestations/${weather}/latest`, { key: dapp });
          return r.status === 200 ? Attestation.parse(r.body) : undefined;
        });
        expect(attestation.event.observation.category).toBe('weather');
        firstHeight = ConsensusStatus.parse((await call(`${GATEWAY}/consensus/status`)).body).height;
      } finally {
        expect(await stopNetwork(child)).toBe(0);
      }
    },
    STARTUP_TIMEOUT_MS * 2,
  );

  it(
    'reuses the data directory on a second run: the same keys and the chain it had',
    async () => {
      const { child } = await startNetwork();
      try {
        expect(credentials().adminKey).toBe(firstAdminKey);
        const status = ConsensusStatus.parse((await call(`${GATEWAY}/consensus/status`)).body);
        expect(status.height).toBeGreaterThanOrEqual(firstHeight);
        const block = await call(`${GATEWAY}/consensus/blocks/${firstHeight}`);
        expect(block.status).toBe(200);
        const feeds = await call(`${GATEWAY}/external/feeds`, { key: credentials().keys?.provider ?? '' });
        expect((feeds.body as { feeds: unknown[] }).feeds).toHaveLength(2);
      } finally {
        expect(await stopNetwork(child)).toBe(0);
      }
    },
    STARTUP_TIMEOUT_MS * 2,
  );
});
