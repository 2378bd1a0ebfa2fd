/**
 * The load generator: autocannon's CLI in a child process, so it never shares an event loop with
 * what it measures. Fixed connections and duration; loopback only.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { z } from 'zod';

const AUTOCANNON_CLI = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
/** Beyond the run itself: start-up of the child and the last in-flight requests. */
const RUN_GRACE_MS = 15_000;

export interface LoadSettings {
  url: string;
  connections: number;
  durationS: number;
  headers: Record<string, string>;
}

/** What autocannon's JSON report holds, of what the bench uses. */
const AutocannonReport = z.object({
  requests: z.object({ average: z.number(), total: z.number() }),
  latency: z.object({ p50: z.number(), p99: z.number(), average: z.number(), max: z.number() }),
  errors: z.number(),
  timeouts: z.number(),
  non2xx: z.number(),
  '2xx': z.number(),
});

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Answers other than 2xx, connection errors and timeouts: a fair comparison needs all three at 0. */
  non2xx: number;
  errors: number;
  timeouts: number;
}

export function runLoad(s: LoadSettings): Promise<LoadResult> {
  if (!new URL(s.url).hostname.startsWith('127.')) throw new Error(`the bench sends traffic to loopback only, not ${s.url}`);
  const args = [AUTOCANNON_CLI, '--json', '--connections', String(s.connections), '--duration', String(s.durationS)];
  for (const [name, value] of Object.entries(s.headers)) args.push('--headers', `${name}=${value}`);
  args.push(s.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), s.durationS * 1000 + RUN_GRACE_MS);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err.trim().slice(-500)}`));
      try {
        const r = AutocannonReport.parse(JSON.parse(out));
        resolve({
          rps: Math.round(r.requests.average),
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          requests: r.requests.total,
          non2xx: r.non2xx,
          errors: r.errors,
          timeouts: r.timeouts,
        });
      } catch (e) {
        reject(new Error(`unreadable autocannon report: ${String(e)}; ${out.slice(0, 300)}`));
      }
    });
  });
}
