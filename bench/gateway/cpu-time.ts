/**
 * CPU time a process has used, from /proc (Linux): user + system. On a machine shared with other
 * work, CPU time per request is steadier than requests per second, which also measure the neighbours.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

export interface CpuTimeMs {
  userMs: number;
  systemMs: number;
}

/** CPU used so far by `pid`, in user space and in the kernel (socket work); null where /proc is not available. */
export function cpuTimeMs(pid: number | undefined): CpuTimeMs | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { userMs: (Number(fields[11]) / TICKS_PER_S) * 1000, systemMs: (Number(fields[12]) / TICKS_PER_S) * 1000 };
  } catch {
    return null;
  }
}
