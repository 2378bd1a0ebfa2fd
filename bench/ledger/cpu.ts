import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds spent by the validator's main thread, its other threads (verify threads, GC, libuv),
 * this bench process and the Postgres processes, read from /proc (Linux; elsewhere every figure is 0).
 * Throughput on a shared machine moves with whatever else runs; CPU time per transfer mostly does
 * not, so it says where the validator's cost goes even when the ratio is disturbed.
 */
export interface CpuSample {
  validatorMain: number;
  validatorThreads: number;
  bench: number;
  postgres: number;
}

const TICKS_PER_S = 100;

/** utime + stime of one /proc stat line, in seconds (fields 14 and 15; the command name may hold spaces). */
function secondsOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

function threadSeconds(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { main, others };
  }
  for (const tid of tids) {
    const stat = read(`/proc/${pid}/task/${tid}/stat`);
    if (stat === undefined) continue;
    if (Number(tid) === pid) main += secondsOf(stat);
    else others += secondsOf(stat);
  }
  return { main, others };
}

function postgresSeconds(): number {
  let total = 0;
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    const stat = read(`/proc/${pid}/stat`);
    // Postgres names its processes "postgres" (the postmaster and every backend).
    if (stat === undefined || !stat.includes('(postgres)')) continue;
    total += secondsOf(stat);
  }
  return total;
}

export function cpuSample(validatorPid: number | undefined): CpuSample {
  const validator = validatorPid === undefined ? { main: 0, others: 0 } : threadSeconds(validatorPid);
  const bench = threadSeconds(process.pid);
  return { validatorMain: validator.main, validatorThreads: validator.others, bench: bench.main + bench.others, postgres: postgresSeconds() };
}

/** Microseconds of CPU per transfer between two samples, by where it was spent. */
export function cpuPerTransferUs(before: CpuSample, after: CpuSample, transfers: number): Record<keyof CpuSample, number> {
  const per = (key: keyof CpuSample) => (transfers === 0 ? 0 : Math.round(((after[key] - before[key]) * 1e6) / transfers));
  return { validatorMain: per('validatorMain'), validatorThreads: per('validatorThreads'), bench: per('bench'), postgres: per('postgres') };
}
