/**
 * `npm start`: the whole network on one machine with embedded storage — three validators (a Raft
 * group) and two business nodes (its learners), a slim worker and the gateway, each a separate
 * process talking HTTP on loopback — plus a local Open-Meteo-format demo source and a demo IoT
 * device, so it works without internet.
 * A second run reuses DATA_DIR (default ./data): the chain, the feeds and the keys.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDemoSource } from '../demo/open-meteo-server.ts';
import { startDemoDevice } from '../demo/iot-device.ts';
import { ensureDemo, readCredentials, writeCredentials } from '../demo/bootstrap.ts';
import { DEFAULT_PORTS, type NodeRole } from '../schemas/index.ts';
import { generateApiKey } from '../gateway/auth/api-key.ts';
import { RoleProcesses, waitNetworkUp } from './role-processes.ts';

// Seven processes start at once, five of them opening PGlite: on a loaded two-core machine that takes minutes.
const READY_TIMEOUT_MS = 240_000;
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

Starts three validators (:9003 :9103 :9203), two business nodes (:9009 :9109),
a slim worker (:${DEFAULT_PORTS.slim}) and the gateway (:${DEFAULT_PORTS.gateway})
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

/** Every process of the network: its name (also its Raft member id), role and platform port. */
interface Member {
  name: string;
  role: NodeRole;
  port: number;
}
const MEMBERS: readonly Member[] = ([
  { name: 'validator-1', role: 'validator', port: 9003 },
  { name: 'validator-2', role: 'validator', port: 9103 },
  { name: 'validator-3', role: 'validator', port: 9203 },
  { name: 'business-1', role: 'business', port: 9009 },
  { name: 'business-2', role: 'business', port: 9109 },
  { name: 'slim', role: 'slim', port: DEFAULT_PORTS.slim },
  { name: 'gateway', role: 'gateway', port: DEFAULT_PORTS.gateway },
] satisfies Member[]).map((m) => ({ ...m, port: m.port + portOffset }));
const member = (name: string): Member => MEMBERS.find((m) => m.name === name)!;
const url = (name: string) => `http://${host}:${member(name).port}`;
const validators = MEMBERS.filter((m) => m.role === 'validator');
const raftGroup = MEMBERS.filter((m) => m.role === 'validator' || m.role === 'business')
  .map((m) => `${m.name}=${m.role === 'validator' ? 'voter' : 'learner'}@${url(m.name)}`)
  .join(',');

const processes = new RoleProcesses({ logDir, onUnexpectedExit: (message) => void shutdown(1, message) });
let shuttingDown = false;

function spawnMember(name: string, extraEnv: Record<string, string>): void {
  const { role, port } = member(name);
  processes.spawn(name, role, { ...process.env, DATA_DIR: dataDir, CLUSTER_SECRET: clusterSecret, HOST: host, PORT: String(port), ...extraEnv });
}

const waitReady = (name: string) => processes.waitStarted(name, url(name), READY_TIMEOUT_MS);

async function shutdown(code: number, reason?: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  if (reason !== undefined) console.error(`\n${reason}`);
  await processes.stopAll(SHUTDOWN_GRACE_MS);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

async function main(): Promise<void> {
  console.log(`Starting the oracle network (data in ${dataDir}, logs in ${logDir}) ...`);
  const source = flags['no-demo'] ? null : await startDemoSource(host, DEMO_SOURCE_PORT + portOffset);
  // Every node announces itself to the gateway (self-registration): it is given no node addresses.
  // Validators and business nodes form one Raft group, each with its own PGlite directory.
  for (const m of MEMBERS.filter((x) => x.role === 'validator' || x.role === 'business')) {
    spawnMember(m.name, { GATEWAY_URLS: url('gateway'), CONSENSUS_MEMBERS: raftGroup, CONSENSUS_NODE_ID: m.name });
  }
  spawnMember('slim', {
    GATEWAY_URLS: url('gateway'),
    VALIDATOR_URLS: validators.map((v) => url(v.name)).join(','),
    // The demo source is on loopback, which sources may reach only when the operator allows their origin.
    SOURCE_ORIGINS_ALLOWED: [...(fromEnv('SOURCE_ORIGINS_ALLOWED')?.split(',') ?? []), ...(source === null ? [] : [source.url])].join(','),
  });
  await Promise.all(MEMBERS.filter((m) => m.role !== 'gateway').map((m) => waitReady(m.name)));
  // The gateway comes last; the nodes' next heartbeats (every second) put them in its pools.
  spawnMember('gateway', { ADMIN_API_KEY: adminKey });
  await waitReady('gateway');
  // Every node up in the gateway's pools: the validators, the business nodes and the slim worker.
  await waitNetworkUp(url('gateway'), { validator: validators.length, business: MEMBERS.filter((m) => m.role === 'business').length, slim: 1 }, READY_TIMEOUT_MS);
  writeCredentials(credentialsPath, { ...(saved ?? {}), adminKey });

  const gateway = url('gateway');
  const lines = [
    '',
    'The oracle network is up.',
    `  gateway     ${gateway}/api/v11   (OpenAPI: ${gateway}/api/v11/openapi.json)`,
    `  validators  ${validators.map((v) => url(v.name)).join('  ')}   (Raft voters)`,
    `  business    ${url('business-1')}  ${url('business-2')}   (Raft learners)   slim worker ${url('slim')}`,
    `  admin key   ${adminKey}`,
    `  reviewers   ${gateway}/review   (sign in with a reviewer key)   metrics: GET /metrics on every role`,
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
