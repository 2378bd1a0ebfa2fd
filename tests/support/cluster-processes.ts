/**
 * A Raft group whose members are real processes (`node --import tsx bin/role.ts <role>`), so a
 * member can be killed with SIGKILL at any moment and restarted from its own storage: a PGlite
 * directory under a temp dir, or its own schema of a real Postgres when `postgresUrl` is given.
 *
 *   const cluster = await startProcessCluster({ voters: 3, learners: 2 });
 *   const leader = await cluster.leader();          // member id, e.g. 'validator-2'
 *   await cluster.kill(leader, 'SIGKILL');          // resolves once the process has exited
 *   await cluster.restart(leader);                  // same port, env and storage; resolves once started (/livez in phase running)
 *   await cluster.close();                          // kills every member, removes storage
 *
 * Every child's stdout and stderr go to `<dir>/<id>.log`; `logTail(id)` reads its end, and
 * failures of this harness (a member that exits while starting, no leader in time) carry it.
 * No member outlives the test process: close() kills them, a process 'exit' hook kills what is
 * left, and each child (tests/support/exit-with-parent.ts) dies when its parent does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../db/client.ts';
import { isStarted } from '../../runtime/probes/client.ts';
import type { ConsensusStatus } from '../../schemas/index.ts';
import { dropSchema, tempDir, uniqueSchema } from './databases.ts';
import { planRaftGroup, raftMemberEnv } from './raft-members.ts';

export const PROCESS_CLUSTER_SECRET = 'process-cluster-secret-0123456789';
/** The header internal routes (channel events, status) expect from members of the network. */
export const CLUSTER_TOKEN_HEADER = { 'x-cluster-token': PROCESS_CLUSTER_SECRET } as const;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXIT_WITH_PARENT = fileURLToPath(new URL('./exit-with-parent.ts', import.meta.url));
/** Starting a member: tsx compiles, the node opens and migrates storage, derives its key. */
const START_TIMEOUT_MS = 120_000;
const LEADER_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 15_000;
const POLL_MS = 100;
const PROBE_TIMEOUT_MS = 2_000;
const LOG_TAIL_LINES = 40;

export type MemberRole = 'validator' | 'business';

export interface ProcessMember {
  readonly id: string;
  readonly role: MemberRole;
  readonly port: number;
  readonly url: string;
  /** The whole environment the member is started with (besides PATH and the like). */
  readonly env: Readonly<Record<string, string>>;
  readonly logPath: string;
}

export interface ProcessClusterOptions {
  voters?: number;
  learners?: number;
  /** Real Postgres: each member gets its own schema there. Unset: each its own PGlite directory. */
  postgresUrl?: string | undefined;
  /** Added to (and overriding) every member's environment, e.g. RAFT_TICK_MS, BLOCK_TXS_MAX. */
  env?: Record<string, string>;
  /** Extra node flags for every member, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']. */
  nodeFlags?: readonly string[];
  /** Members' LOG_LEVEL; 'warn' by default so logs stay small. */
  logLevel?: string;
}

export interface ProcessCluster {
  readonly members: readonly ProcessMember[];
  /** Temp dir holding the members' PGlite directories and logs. */
  readonly dir: string;
  readonly storage: 'postgres' | 'pglite';
  url(id: string): string;
  running(id: string): boolean;
  /** Sends the signal and resolves once the process has exited. */
  kill(id: string, signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts a stopped member again with the same port, environment and storage; resolves once /livez says it is running. */
  restart(id: string): Promise<void>;
  /** The member id of the leader the running members report (polls until one does). */
  leader(timeoutMs?: number): Promise<string>;
  /** A member's consensus status, or undefined if it does not answer. */
  status(id: string): Promise<ConsensusStatus | undefined>;
  /** The last lines of a member's log. */
  logTail(id: string, lines?: number): string;
  close(): Promise<void>;
}

/** Children of every cluster of this process, killed on exit whatever happens to the test. */
const everyChild = new Set<ChildProcess>();
let exitHookInstalled = false;
function killOnExit(child: ChildProcess): void {
  everyChild.add(child);
  child.once('exit', () => everyChild.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of everyChild) c.kill('SIGKILL');
  });
}

export async function startProcessCluster(options: ProcessClusterOptions = {}): Promise<ProcessCluster> {
  const voters = options.voters ?? 3;
  const learners = options.learners ?? 2;
  const { members: plans, membersText } = await planRaftGroup(voters, learners);
  const dir = tempDir('process-cluster');
  const namespace = uniqueSchema('pcluster');
  const embedded = options.postgresUrl === undefined;
  const members: ProcessMember[] = plans.map((m) => ({
    ...m,
    logPath: join(dir.path, `${m.id}.log`),
    env: {
      ...raftMemberEnv(m, { membersText, namespace, postgresUrl: options.postgresUrl }),
      CLUSTER_SECRET: PROCESS_CLUSTER_SECRET,
      LOG_LEVEL: options.logLevel ?? 'warn',
      DATA_DIR: join(dir.path, m.id),
      // PGlite: each member its own directory, so one schema name serves all (and the template below).
      DB_SCHEMA: embedded ? PGLITE_SCHEMA : `${namespace}_${m.id.replace('-', '_')}`,
      ...options.env,
    },
  }));
  const byId = new Map(members.map((m) => [m.id, m]));
  const children = new Map<string, ChildProcess>();
  const member = (id: string): ProcessMember => {
    const m = byId.get(id);
    if (m === undefined) throw new Error(`no member "${id}" (members: ${[...byId.keys()].join(', ')})`);
    return m;
  };
  const logTail = (id: string, lines = LOG_TAIL_LINES): string => {
    try {
      return readFileSync(member(id).logPath, 'utf8').split('\n').slice(-lines - 1).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const withLog = (id: string, message: string): Error => new Error(`${message}\n--- last lines of ${id}'s log (${member(id).logPath}) ---\n${logTail(id)}`);

  const start = async (id: string): Promise<void> => {
    const m = member(id);
    if (children.has(id)) throw new Error(`${id} is already running`);
    const log = openSync(m.logPath, 'a');
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', '--import', EXIT_WITH_PARENT, join(ROOT, 'bin/role.ts'), m.role], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...m.env },
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    children.set(id, child);
    killOnExit(child);
    child.once('exit', () => {
      if (children.get(id) === child) children.delete(id);
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw withLog(id, `${id} exited while starting (${child.exitCode ?? child.signalCode})`);
      if (await isStarted(m.url, PROBE_TIMEOUT_MS)) return;
      await pause(POLL_MS);
    }
    throw withLog(id, `${id} did not finish starting (/livez in phase running) within ${START_TIMEOUT_MS} ms`);
  };

  const kill = async (id: string, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> => {
    const child = children.get(id);
    if (child === undefined) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    await exited.finally(() => clearTimeout(timer));
    children.delete(id);
  };

  const status = async (id: string): Promise<ConsensusStatus | undefined> => {
    try {
      const res = await fetch(`${member(id).url}/api/v11/consensus/status`, { headers: CLUSTER_TOKEN_HEADER, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      return res.ok ? ((await res.json()) as ConsensusStatus) : undefined;
    } catch {
      return undefined;
    }
  };

  const leader = async (timeoutMs = LEADER_TIMEOUT_MS): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const running = members.filter((m) => children.has(m.id));
      const statuses = await Promise.all(running.map((m) => status(m.id)));
      // The leader of the newest term among those that claim it (a deposed one may not know yet).
      let best: { id: string; term: number } | undefined;
      statuses.forEach((s, i) => {
        if (s?.role === 'leader' && (best === undefined || s.term > best.term)) best = { id: running[i]!.id, term: s.term };
      });
      if (best !== undefined) return best.id;
      await pause(POLL_MS);
    }
    const tails = members.filter((m) => children.has(m.id)).map((m) => `--- ${m.id} ---\n${logTail(m.id, 10)}`);
    throw new Error(`no leader within ${timeoutMs} ms\n${tails.join('\n')}`);
  };

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.all([...children.keys()].map((id) => kill(id, 'SIGKILL')));
    if (options.postgresUrl !== undefined) for (const m of members) await dropSchema(options.postgresUrl, m.env.DB_SCHEMA!).catch(() => {});
    // KEEP_CLUSTER_DIR=1 keeps the members' logs and PGlite directories for a look after the run.
    if (process.env.KEEP_CLUSTER_DIR === undefined) dir.remove();
    else process.stderr.write(`process cluster kept in ${dir.path}\n`);
  };

  try {
    if (embedded) await seedPgliteDirectories(dir.path, members);
    await Promise.all(members.map((m) => start(m.id)));
    await leader();
  } catch (error) {
    // The error carries the log tails; the directory goes unless KEEP_CLUSTER_DIR asks otherwise.
    await close();
    throw error;
  }

  return {
    members,
    dir: dir.path,
    storage: options.postgresUrl === undefined ? 'pglite' : 'postgres',
    url: (id) => member(id).url,
    running: (id) => children.has(id),
    kill,
    restart: start,
    leader,
    status,
    logTail,
    close,
  };
}

const PGLITE_SCHEMA = 'consensus';

/**
 * Creating a PGlite database (initdb in WebAssembly) and migrating it costs seconds of CPU, five
 * at once far more on two cores: one is made here, closed, and copied into each member's
 * directory (where runtime/node.ts nodeDataDir looks), so members open an existing database.
 */
async function seedPgliteDirectories(root: string, members: readonly ProcessMember[]): Promise<void> {
  const template = join(root, 'pglite-template');
  const database = await openDatabase({ part: 'consensus', dataDir: template, schema: PGLITE_SCHEMA });
  await database.close();
  for (const m of members) cpSync(template, join(m.env.DATA_DIR!, `${m.role}-${m.port}`), { recursive: true });
}


const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a member answers a delivery with once its events are committed. */
export interface DeliveryReceipt {
  committed: { eventId: string; height: number; txHash: string }[];
}

/**
 * Delivers channel events to one member; undefined when it did not answer 200 (killed member,
 * leader change, timeout): the caller delivers again, as a slim worker would.
 */
export async function deliverEvents(url: string, events: unknown[], timeoutMs: number): Promise<DeliveryReceipt | undefined> {
  try {
    const res = await fetch(`${url}/api/v11/internal/channel-events`, {
      method: 'POST',
      headers: { ...CLUSTER_TOKEN_HEADER, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    return (await res.json()) as DeliveryReceipt;
  } catch {
    return undefined;
  }
}
