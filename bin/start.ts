/**
 * `npm start`: the whole network on one machine with embedded storage — a validator, a slim
 * worker and the gateway as separate processes talking HTTP on loopback — plus a local
 * Open-Meteo-format demo source and a demo IoT device, so it works without internet.
 * A second run reuses DATA_DIR (default ./data): the chain, the feeds and the keys.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDemoSource } from '../demo/open-meteo-server.ts';
import { startDemoDevice } from '../demo/iot-device.ts';
import { ensureDemo, readCredentials, writeCredentials } from '../demo/bootstrap.ts';
import { DEFAULT_PORTS, type NodeRole } from '../schemas/index.ts';
import { generateApiKey } from '../gateway/auth/api-key.ts';

const READY_TIMEOUT_MS = 90_000;
const DEMO_SOURCE_PORT = 9099;
const DEMO_DEVICE_INTERVAL_MS = 10_000;
/** Each role gets this long to stop on SIGTERM (its own limit is 10 s) before it is killed. */
const SHUTDOWN_GRACE_MS = 12_000;

const { values: flags } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'no-demo': { type: 'boolean', default: false },
    'port-offset': { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(`npm start [-- --data-dir DIR] [-- --no-demo] [-- --port-offset N]

Starts a validator (:${DEFAULT_PORTS.validator}), a slim worker (:${DEFAULT_PORTS.slim}) and the gateway (:${DEFAULT_PORTS.gateway})
with embedded storage under DIR (default ./data), a local demo weather source (:${DEMO_SOURCE_PORT})
and a demo IoT device. --port-offset N adds N to every port, to run a second network beside
the first. Environment variables (see README) override the defaults.`);
  process.exit(0);
}
const portOffset = Number(flags['port-offset']);
if (!Number.isInteger(portOffset) || portOffset < 0 || portOffset > 50_000) {
  console.error(`--port-offset must be an integer from 0 to 50000, not "${flags['port-offset']}"`);
  process.exit(2);
}

/** An environment variable, with empty meaning unset (as the roles' configuration reads it). */
const fromEnv = (name: string): string | undefined => (process.env[name] === '' ? undefined : process.env[name]);

const dataDir = resolve(flags['data-dir'] ?? fromEnv('DATA_DIR') ?? './data');
const logDir = `${dataDir}/logs`;
mkdirSync(logDir, { recursive: true });
const credentialsPath = `${dataDir}/credentials.json`;

const saved = readCredentials(credentialsPath);
const adminKey = fromEnv('ADMIN_API_KEY') ?? saved?.adminKey ?? generateApiKey();
// Nodes of one run share a fresh secret; nothing outside this run can talk to them directly.
const clusterSecret = fromEnv('CLUSTER_SECRET') ?? randomBytes(32).toString('hex');
const host = '127.0.0.1';
const port = (role: NodeRole) => DEFAULT_PORTS[role] + portOffset;
const url = (role: NodeRole) => `http://${host}:${port(role)}`;

const children = new Map<NodeRole, ChildProcess>();
let shuttingDown = false;

function spawnRole(role: NodeRole, extraEnv: Record<string, string>): ChildProcess {
  const log = createWriteStream(`${logDir}/${role}.log`, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/role.ts', role], {
    env: { ...process.env, DATA_DIR: dataDir, CLUSTER_SECRET: clusterSecret, HOST: host, PORT: String(port(role)), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.on('exit', (code, signal) => {
    children.delete(role);
    if (!shuttingDown) {
      console.error(`\n${role} stopped (code ${code ?? '-'}, signal ${signal ?? '-'}); see ${logDir}/${role}.log`);
      void shutdown(1);
    }
  });
  children.set(role, child);
  return child;
}

async function waitReady(role: NodeRole): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!children.has(role)) throw new Error(`${role} exited during start-up; see ${logDir}/${role}.log`);
    try {
      const res = await fetch(`${url(role)}/livez`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${role} did not become ready within ${READY_TIMEOUT_MS / 1000} s; see ${logDir}/${role}.log`);
}

/** Waits until the gateway's aggregated health sees every node up, the validator and the slim worker among them (they join by announcing). */
async function waitNetworkUp(): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url('gateway')}/api/v11/health`);
      const body = (await res.json()) as { status?: string; nodes?: { role?: string }[] };
      const roles = new Set((body.nodes ?? []).map((n) => n.role));
      if (body.status === 'up' && roles.has('validator') && roles.has('slim')) return;
    } catch {
      // gateway not answering yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the gateway did not see every node up within ${READY_TIMEOUT_MS / 1000} s; see ${logDir}/`);
}

async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  const exits = [...children.values()].map(
    (c) =>
      new Promise<void>((done) => {
        c.once('exit', () => done());
        c.kill('SIGTERM');
      }),
  );
  await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS))]);
  // A role that did not finish within its grace period is not left running behind us.
  for (const c of children.values()) c.kill('SIGKILL');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

async function main(): Promise<void> {
  console.log(`Starting the oracle network (data in ${dataDir}, logs in ${logDir}) ...`);
  const source = flags['no-demo'] ? null : await startDemoSource(host, DEMO_SOURCE_PORT + portOffset);
  // Validator and slim announce themselves to the gateway (self-registration): it is given no node addresses.
  spawnRole('validator', { GATEWAY_URLS: url('gateway') });
  spawnRole('slim', {
    GATEWAY_URLS: url('gateway'),
    VALIDATOR_URLS: url('validator'),
    // The demo source is on loopback, which sources may reach only when the operator allows their origin.
    SOURCE_ORIGINS_ALLOWED: [...(fromEnv('SOURCE_ORIGINS_ALLOWED')?.split(',') ?? []), ...(source === null ? [] : [source.url])].join(','),
  });
  await Promise.all([waitReady('validator'), waitReady('slim')]);
  // The gateway comes last; the nodes' next heartbeats (every second) put them in its pools.
  spawnRole('gateway', { ADMIN_API_KEY: adminKey });
  await waitReady('gateway');
  await waitNetworkUp();
  writeCredentials(credentialsPath, { ...(saved ?? {}), adminKey });

  const gateway = url('gateway');
  const lines = [
    '',
    'The oracle network is up.',
    `  gateway     ${gateway}/api/v11   (OpenAPI: ${gateway}/api/v11/openapi.json)`,
    `  validator   ${url('validator')}   slim worker ${url('slim')}`,
    `  admin key   ${adminKey}`,
  ];
  if (source !== null) {
    const demo = await ensureDemo(gateway, source.url, { ...(saved ?? {}), adminKey });
    writeCredentials(credentialsPath, demo);
    startDemoDevice({
      gatewayUrl: gateway,
      providerKey: demo.keys.provider,
      feedId: demo.feeds.iot.id,
      device: { id: demo.feeds.iot.deviceId, secret: demo.feeds.iot.deviceSecret },
      intervalMs: DEMO_DEVICE_INTERVAL_MS,
      onError: (m) => console.error(m),
    });
    lines.push(
      `  provider    ${demo.keys.provider}`,
      `  dapp        ${demo.keys.dapp}`,
      `  reviewer    ${demo.keys.reviewer}`,
      `  demo source ${source.url} (Open-Meteo format)`,
      '',
      `Demo feeds: weather ${demo.feeds.weather} (every 15 s), IoT ${demo.feeds.iot.id} (a signed reading every 10 s).`,
      'Try:',
      `  curl -s -H 'Authorization: Bearer ${demo.keys.dapp}' ${gateway}/api/v11/query/attestations/${demo.feeds.weather}/latest`,
      `  curl -s ${gateway}/api/v11/consensus/status`,
      `  curl -s -H 'Authorization: Bearer ${demo.keys.reviewer}' '${gateway}/api/v11/reviews?status=pending'`,
      `Keys are kept in ${credentialsPath}. Ctrl-C stops everything.`,
    );
  }
  console.log(lines.join('\n'));
}

main().catch((e: unknown) => {
  console.error(`start failed: ${(e as Error).message}`);
  void shutdown(1);
});
