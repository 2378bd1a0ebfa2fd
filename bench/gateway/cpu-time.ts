/**
 * CPU time a process and its children have used, from /proc (Linux): user + system. On a machine
 * shared with other work, CPU time per request is steadier than requests per second, which also
 * measure the neighbours. Children count because a server may be several processes (nginx's
 * workers, the gateway's cluster workers).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

export interface CpuTimeMs {
  userMs: number;
  systemMs: number;
}

interface Stat {
  ppid: number;
  userTicks: number;
  systemTicks: number;
}

function readStat(pid: number): Stat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), userTicks: Number(fields[11]), systemTicks: Number(fields[12]) };
  } catch {
    return null;
  }
}

/** CPU used so far by `pid` and its live descendants, in user space and in the kernel (socket work); null where /proc is not available. */
export function cpuTimeMs(pid: number | undefined): CpuTimeMs | null {
  if (pid === undefined) return null;
  const root = readStat(pid);
  if (root === null) return null;
  const stats = new Map<number, Stat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat !== null) stats.set(Number(entry), stat);
  }
  let userTicks = 0;
  let systemTicks = 0;
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    const stat = i === 0 ? root : stats.get(tree[i]!);
    if (stat === undefined) continue;
    userTicks += stat.userTicks;
    systemTicks += stat.systemTicks;
    for (const [child, s] of stats) if (s.ppid === tree[i]) tree.push(child);
  }
  return { userMs: (userTicks / TICKS_PER_S) * 1000, systemMs: (systemTicks / TICKS_PER_S) * 1000 };
}
