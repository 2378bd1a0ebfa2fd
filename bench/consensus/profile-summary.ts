import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  startTime: number;
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  fn: string;
  where: string;
  selfPercent: number;
}

/**
 * Self time by function in the .cpuprofile files of `dir` written by process `pid` (its main
 * thread: the file whose thread number is 0), largest first. Only the last `windowMs` of each
 * profile count, so start-up (module loading) does not drown the measured run.
 */
export function summarizeProfiles(dir: string, pid: number, windowMs: number, top = 20): { file: string; totalMs: number; idlePercent: number; hot: HotFunction[] }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.0.`))
    .map((file) => {
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
      const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
      const self = new Map<string, number>();
      const fromUs = profile.endTime - windowMs * 1000;
      let at = profile.startTime;
      let total = 0;
      profile.samples.forEach((id, i) => {
        const dt = profile.timeDeltas[i] ?? 0;
        at += dt;
        if (at < fromUs) return;
        total += dt;
        const frame = byNode.get(id)?.callFrame;
        if (frame === undefined) return;
        const where = frame.url === '' ? '' : `${frame.url.replace(/^.*\/(node_modules|work\/main)\//, '$1/')}:${frame.lineNumber + 1}`;
        const key = `${frame.functionName || '(anonymous)'}\t${where}`;
        self.set(key, (self.get(key) ?? 0) + dt);
      });
      const idle = [...self].filter(([key]) => key.startsWith('(idle)')).reduce((n, [, us]) => n + us, 0);
      const hot = [...self]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([key, us]) => {
          const [fn, where] = key.split('\t') as [string, string];
          return { fn, where, selfPercent: Math.round((us / total) * 1000) / 10 };
        });
      return { file, totalMs: Math.round(total / 1000), idlePercent: Math.round((idle / total) * 1000) / 10, hot };
    });
}
