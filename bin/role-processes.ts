/**
 * The roles of a network as child processes of one script (`npm start`, `npm run topology`):
 * each runs `bin/role.ts <role>` with its own environment and log file, is awaited until it has
 * started, and is stopped with SIGTERM, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isStarted } from '../runtime/probes/client.ts';
import { NetworkHealth, type NodeRole } from '../schemas/index.ts';

const ROLE_SCRIPT = fileURLToPath(new URL('./role.ts', import.meta.url));
const POLL_MS = 250;
const PROBE_TIMEOUT_MS = 2_000;

export interface RoleProcessesOptions {
  logDir: string;
  /** Called with what happened when a role exits while the group is not stopping (the caller usually stops the rest). */
  onUnexpectedExit: (message: string) => void;
}

export class RoleProcesses {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;

  constructor(private readonly options: RoleProcessesOptions) {}

  logPath(name: string): string {
    return `${this.options.logDir}/${name}.log`;
  }

  /** Starts `name` as `role` with exactly this environment (the caller decides what it inherits). */
  spawn(name: string, role: NodeRole, env: NodeJS.ProcessEnv): ChildProcess {
    const log = createWriteStream(this.logPath(name), { flags: 'a' });
    const child = spawn(process.execPath, ['--import', 'tsx', ROLE_SCRIPT, role], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.on('exit', (code, signal) => {
      this.children.delete(name);
      if (!this.stopping) this.options.onUnexpectedExit(`${name} stopped (code ${code ?? '-'}, signal ${signal ?? '-'}); see ${this.logPath(name)}`);
    });
    this.children.set(name, child);
    return child;
  }

  /** Resolves once the role at `url` has started (its port opens before it migrates, so listening is not enough). */
  async waitStarted(name: string, url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.children.has(name)) throw new Error(`${name} exited during start-up; see ${this.logPath(name)}`);
      if (await isStarted(url, PROBE_TIMEOUT_MS)) return;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    throw new Error(`${name} did not start within ${timeoutMs / 1000} s; see ${this.logPath(name)}`);
  }

  /** SIGTERM to every role, then SIGKILL to any still running after `graceMs`. */
  async stopAll(graceMs: number): Promise<void> {
    this.stopping = true;
    const exits = [...this.children.values()].map(
      (c) =>
        new Promise<void>((done) => {
          c.once('exit', () => done());
          c.kill('SIGTERM');
        }),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(exits), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    // A role that did not finish within its grace period is not left running behind us.
    for (const c of this.children.values()) c.kill('SIGKILL');
  }
}

/**
 * Resolves once the gateway's aggregated health says the network is up with at least `serving`
 * nodes of each role serving (nodes join the gateway's pools by announcing themselves).
 */
export async function waitNetworkUp(gatewayUrl: string, serving: Partial<Record<NodeRole, number>>, timeoutMs: number): Promise<NetworkHealth> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${gatewayUrl}/api/v11/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      const health = NetworkHealth.parse(await res.json());
      const short = Object.entries(serving).filter(([role, count]) => (health.summary?.roles[role as NodeRole]?.serving ?? 0) < count);
      if (health.status === 'up' && short.length === 0) return health;
      last = `status ${health.status}, ${JSON.stringify(health.summary?.roles ?? {})}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`the gateway did not see the network up within ${timeoutMs / 1000} s (last: ${last})`);
}
