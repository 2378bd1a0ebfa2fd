/**
 * `npm run topology`: every role of compose.yaml as a process on this machine, against the local
 * PostgreSQL (a database of its own for this run, a schema per node in it, as compose.yaml says)
 * and the local Redis (this run's keys under their own namespace). No Docker needed: the same
 * file, the same roles and the same environment, with service addresses made local.
 * Ctrl-C (or SIGTERM) stops every role and drops the run's database unless --keep-database.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { generateApiKey } from '../gateway/auth/api-key.ts';
import { isReady } from '../runtime/probes/client.ts';
import type { NodeRole } from '../schemas/index.ts';
import { RoleProcesses, waitNetworkUp } from './role-processes.ts';
import { nodeServices, readCompose } from './topology/compose.ts';
import { createDatabase, dropDatabase } from './topology/database.ts';
import { planTopology, type PlannedNode } from './topology/plan.ts';
import { freePorts } from './topology/ports.ts';
import { TopologyState } from './topology/state.ts';

/** Eight processes on Postgres, on a loaded two-core machine. */
const READY_TIMEOUT_MS = 240_000;
const SHUTDOWN_GRACE_MS = 12_000;
const POLL_MS = 500;

const { values: flags } = parseArgs({
  options: {
    compose: { type: 'string', default: fileURLToPath(new URL('../compose.yaml', import.meta.url)) },
    'database-url': { type: 'string' },
    'redis-url': { type: 'string' },
    'free-ports': { type: 'boolean', default: false },
    'state-file': { type: 'string' },
    dir: { type: 'string' },
    'keep-database': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(`npm run topology [-- options]

Starts every role of compose.yaml (3 validators, 2 business nodes, 2 slim workers, the gateway)
as processes on this machine, against the local PostgreSQL and Redis.

  --database-url URL   a PostgreSQL server the run may create a database on
                       (default DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
  --redis-url URL      default REDIS_URL, else redis://127.0.0.1:6379
  --free-ports         free loopback ports instead of compose's (8080, 9003, ...)
  --state-file FILE    where to write the running topology as JSON once it is ready
  --dir DIR            logs and state (default ./data/topology/<run id>)
  --keep-database      leave the run's database behind on exit

Configuration variables set in this environment (e.g. SOURCE_ORIGINS_ALLOWED) reach every node
where compose.yaml sets none. Ctrl-C stops everything.`);
  process.exit(0);
}

const fromEnv = (name: string): string | undefined => (process.env[name] === '' ? undefined : process.env[name]);
const serverUrl = flags['database-url'] ?? fromEnv('DATABASE_URL') ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = flags['redis-url'] ?? fromEnv('REDIS_URL') ?? 'redis://127.0.0.1:6379';
const runId = `topology_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const dir = resolve(flags.dir ?? `./data/topology/${runId}`);
const logDir = `${dir}/logs`;
mkdirSync(logDir, { recursive: true });
const host = '127.0.0.1';

// Secrets compose.yaml requires: the caller's, or made for this run. Postgres and Redis are the
// local ones here, so their passwords only satisfy the file.
const secrets = {
  CLUSTER_SECRET: fromEnv('CLUSTER_SECRET') ?? randomBytes(32).toString('hex'),
  ADMIN_API_KEY: fromEnv('ADMIN_API_KEY') ?? generateApiKey(),
  GATEWAY_KEY_PEPPER: fromEnv('GATEWAY_KEY_PEPPER') ?? randomBytes(32).toString('hex'),
  POSTGRES_PASSWORD: 'local',
  REDIS_PASSWORD: 'local',
  GRAFANA_ADMIN_PASSWORD: 'local',
};

const processes = new RoleProcesses({ logDir, onUnexpectedExit: (message) => void shutdown(1, message) });
let databaseCreated = false;
let shuttingDown = false;

async function shutdown(code: number, reason?: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  if (reason !== undefined) console.error(`\n${reason}`);
  await processes.stopAll(SHUTDOWN_GRACE_MS);
  if (databaseCreated && !flags['keep-database']) {
    await dropDatabase(serverUrl, runId).catch((e: unknown) => console.error(`dropping database ${runId} failed: ${(e as Error).message}`));
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

async function waitAllReady(nodes: readonly PlannedNode[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let waiting = nodes.map((n) => n.name);
  while (Date.now() < deadline) {
    const answers = await Promise.all(nodes.map(async (n) => ((await isReady(n.url, 2_000)) ? null : n.name)));
    waiting = answers.filter((n): n is string => n !== null);
    if (waiting.length === 0) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`not ready within ${READY_TIMEOUT_MS / 1000} s: ${waiting.join(', ')}`);
}

async function main(): Promise<void> {
  const services = nodeServices(readCompose(flags.compose), { ...process.env, ...secrets });
  const ports = flags['free-ports'] ? await freePorts(services.length) : services.map((s) => s.port);
  const databaseUrl = await createDatabase(serverUrl, runId);
  databaseCreated = true;
  const nodes = planTopology({
    nodes: services,
    ports: Object.fromEntries(services.map((s, i) => [s.name, ports[i]!])),
    host,
    databaseUrl,
    redisUrl,
    runId,
    dataDir: `${dir}/data`,
    inherited: process.env,
  });
  console.log(`Starting the compose topology as processes (run ${runId}, database ${runId}, logs in ${logDir}) ...`);
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  const spawn = (n: PlannedNode) => processes.spawn(n.name, n.role, { ...base, ...n.env });
  // The gateway last: the nodes' heartbeats put them in its pools within a second of it starting.
  const gateway = nodes.find((n) => n.role === 'gateway');
  if (gateway === undefined) throw new Error('compose.yaml has no gateway service');
  const others = nodes.filter((n) => n !== gateway);
  others.forEach(spawn);
  await Promise.all(others.map((n) => processes.waitStarted(n.name, n.url, READY_TIMEOUT_MS)));
  spawn(gateway);
  await processes.waitStarted(gateway.name, gateway.url, READY_TIMEOUT_MS);
  const counts: Partial<Record<NodeRole, number>> = {};
  for (const n of others) counts[n.role] = (counts[n.role] ?? 0) + 1;
  await waitNetworkUp(gateway.url, counts, READY_TIMEOUT_MS);
  await waitAllReady(nodes);

  const state: TopologyState = {
    runId,
    gatewayUrl: gateway.url,
    adminKey: secrets.ADMIN_API_KEY,
    clusterSecret: secrets.CLUSTER_SECRET,
    nodes: nodes.map((n) => ({ name: n.name, role: n.role, url: n.url })),
  };
  const stateFile = flags['state-file'] ?? `${dir}/topology.json`;
  writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
  console.log(
    [
      '',
      'The compose topology is up; every node is ready.',
      ...nodes.map((n) => `  ${n.name.padEnd(12)} ${n.role.padEnd(10)} ${n.url}`),
      `  admin key    ${secrets.ADMIN_API_KEY}`,
      `State in ${stateFile}. Ctrl-C stops everything.`,
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  console.error(`topology failed: ${(e as Error).message}`);
  void shutdown(1);
});
