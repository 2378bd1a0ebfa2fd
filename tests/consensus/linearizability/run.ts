/**
 * Runs the attestation workload against running nodes and checks the history:
 *
 *   npx tsx tests/consensus/linearizability/run.ts --nodes http://127.0.0.1:9003,http://127.0.0.1:9103 \
 *     --secret "$CLUSTER_SECRET" [--clients 8] [--keys 5] [--duration-ms 30000] [--operations-max 10000] \
 *     [--request-timeout-ms 5000] [--consistency linearizable|stale] [--check-timeout-ms 60000] [--history out.json]
 *
 * --history writes the recorded operations as JSON (a pending operation's returnMs shows as null there).
 *
 * Exit code: 0 linearizable, 1 not linearizable (the explanation is printed), 2 undecided, no answers at all, or bad arguments.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { clusterHeaders } from '../../../runtime/cluster-auth.ts';
import { checkAttestationHistory, outcomeCounts, runAttestationWorkload, WorkloadOptions } from './workload.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string' },
    secret: { type: 'string', default: process.env.CLUSTER_SECRET },
    clients: { type: 'string' },
    keys: { type: 'string' },
    'duration-ms': { type: 'string', default: '30000' },
    'operations-max': { type: 'string' },
    'request-timeout-ms': { type: 'string' },
    consistency: { type: 'string' },
    seed: { type: 'string' },
    'check-timeout-ms': { type: 'string', default: '60000' },
    history: { type: 'string' },
  },
});

const Args = z.object({
  nodes: z.string({ error: '--nodes: comma-separated node URLs' }).min(1),
  secret: z.string({ error: '--secret or CLUSTER_SECRET: the cluster token' }).min(1),
  checkTimeoutMs: z.coerce.number().int().min(1),
});
const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));

const args = Args.safeParse({ nodes: values.nodes, secret: values.secret, checkTimeoutMs: values['check-timeout-ms'] });
const options = WorkloadOptions.safeParse({
  nodeUrls: values.nodes?.split(',').map((u) => u.trim()),
  headers: values.secret === undefined ? {} : clusterHeaders(values.secret),
  clients: number(values.clients),
  keys: number(values.keys),
  durationMs: number(values['duration-ms']),
  operationsMax: number(values['operations-max']),
  requestTimeoutMs: number(values['request-timeout-ms']),
  consistency: values.consistency,
  seed: number(values.seed),
});
if (!args.success || !options.success) {
  for (const issue of [...(args.error?.issues ?? []), ...(options.error?.issues ?? [])]) console.error(`${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}

const { history, failed, statuses } = await runAttestationWorkload(options.data);
if (values.history !== undefined) writeFileSync(values.history, `${JSON.stringify(history)}\n`);
const pendingCount = history.filter((op) => op.pending).length;
// Failed operations (refused before proposing) are not in the history: they never took effect.
console.log(`operations ${JSON.stringify(outcomeCounts({ history, failed }))}; answers: ${JSON.stringify(statuses)}`);
if (pendingCount === history.length) {
  // Every history of unknowns is linearizable: say so rather than pass.
  console.log('no operation got an answer: check the node URLs and the secret');
  process.exit(2);
}

const started = performance.now();
const result = checkAttestationHistory(history, args.data.checkTimeoutMs);
const checkedMs = Math.round(performance.now() - started);
if (result.ok === true) {
  console.log(`linearizable (${result.stats.partitions} keys, ${result.stats.configurations} configurations, ${checkedMs} ms)`);
  process.exit(0);
}
if (result.ok === 'unknown') {
  console.log(`undecided on ${result.key}: ${result.reason} after ${checkedMs} ms`);
  process.exit(2);
}
console.log(`NOT linearizable on ${result.key}\n${result.violation.text}`);
process.exit(1);
