/**
 * A bounded workload against a cluster's HTTP API, recording a history for the checker:
 * `clients` concurrent clients, each doing one operation at a time on a random key, on a random
 * node, until `durationMs` passes, `operationsMax` operations have been issued or `stop` aborts. Writes are
 * attestations (one fresh event id each), reads are asset reads (see models.ts for the mapping).
 * Loopback only: this is a test tool, never pointed at someone else's machine.
 */
import { Agent, request } from 'undici';
import { z } from 'zod';
import { ConsensusStatus } from '../../../schemas/index.ts';
import { API_PREFIX, assetPath, attestEvent, attestOutcome, deliverPath, isAssetNotFound, latestFromAsset, refusedBeforeProposing } from './attestation-api.ts';
import { checkLinearizable, type CheckResult } from './checker.ts';
import { prng } from './generate.ts';
import { Recorder, type CallOutcome, type FailedOperation, type Operation } from './history.ts';
import { attestationModel, type AttestationInput, type AttestationOutput } from './models.ts';

const LoopbackUrl = z
  .string()
  .url()
  .refine((u) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(u).hostname), 'a loopback URL (127.0.0.1)')
  .transform((u) => u.replace(/\/+$/, ''));

export const WorkloadOptions = z.object({
  /** Base URLs of validator or business nodes, e.g. http://127.0.0.1:9003. */
  nodeUrls: z.array(LoopbackUrl).min(1).max(16),
  /** Sent with every request: the cluster token (clusterHeaders(secret)). */
  headers: z.record(z.string(), z.string()).default({}),
  clients: z.number().int().min(1).max(64).default(8),
  /** Keys are (asset, feed) pairs: asset `${prefix}-a<k>`, feed `${prefix}-f<k>`, one feed per asset. */
  keys: z.number().int().min(1).max(1_000).default(5),
  /** Distinct per run, so runs against the same cluster never share an asset or event id. */
  prefix: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/).default(() => `lin-${Date.now().toString(36)}`),
  writeShare: z.number().min(0).max(1).default(0.5),
  durationMs: z.number().int().min(1).max(600_000),
  operationsMax: z.number().int().min(1).max(100_000).default(10_000),
  /** A request without an answer by then is recorded as unknown: it may still take effect. */
  requestTimeoutMs: z.number().int().min(1).max(120_000).default(5_000),
  /**
   * Observation times go up by one second per write in call order; each write is backdated by up
   * to this much, so some arrive older than the latest and must leave it in place.
   */
  backdateMsMax: z.number().int().min(0).max(3_600_000).default(2_500),
  /**
   * How nodes serve reads: `linearizable` (the default on the cluster: a ReadIndex round with the
   * leader first) or `stale` (what the node has applied; expected to fail the check on followers).
   */
  consistency: z.enum(['linearizable', 'stale']).default('linearizable'),
  /**
   * After an answer that says the cluster cannot take work now (503, or a refused connection), the
   * client pauses this long (at most the answer's Retry-After) before its next operation, instead of
   * piling more operations onto a cluster that is electing a leader or catching up.
   */
  unavailableBackoffMs: z.number().int().min(0).max(10_000).default(0),
  /** Seed for the clients' choices (keys, nodes, kinds, backdating); the interleaving still depends on timing. */
  seed: z.number().int().default(1),
  /** Ends the workload early (e.g. once a fault schedule is through); `durationMs` still bounds it. */
  stop: z.instanceof(AbortSignal).optional(),
});
export type WorkloadOptions = z.input<typeof WorkloadOptions>;

export type AttestationOperation = Operation<AttestationInput, AttestationOutput>;

export interface WorkloadResult {
  /** Completed and pending operations; the failed ones are left out (they never took effect). */
  history: AttestationOperation[];
  /** Deliveries that failed for sure: refused before proposing (see REFUSED_BEFORE_PROPOSING), or a refused connection. */
  failed: FailedOperation<AttestationInput>[];
  /** HTTP statuses seen ('503 UNAVAILABLE' with an error code), and 'error:<code>' for requests that got no answer: to tell a broken setup from a fault. */
  statuses: Record<string, number>;
  /** The first error message seen with each error status. */
  messages: Record<string, string>;
  /** How often each error answer came, by status, code and message: which refusals were failed for sure and which left the outcome open. */
  errorMessages: Record<string, number>;
}

/** Where the observation times start; any fixed instant works, the ledger compares them only to each other. */
const OBSERVED_BASE_MS = Date.UTC(2026, 0, 1);
/** Observation times must stay distinct after backdating to the millisecond: one second apart. */
const OBSERVATION_STEP_MS = 1_000;

export async function runAttestationWorkload(input: WorkloadOptions): Promise<WorkloadResult> {
  const o = WorkloadOptions.parse(input);
  const agent = new Agent({ connections: o.clients, keepAliveTimeout: 4_000 });
  const recorder = new Recorder<AttestationInput, AttestationOutput>();
  const statuses: Record<string, number> = {};
  const messages: Record<string, string> = {};
  const errorMessages: Record<string, number> = {};
  const count = (status: string) => (statuses[status] = (statuses[status] ?? 0) + 1);
  const random = prng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const keys = Array.from({ length: o.keys }, (_, k) => ({ assetId: `${o.prefix}-a${k}`, feedId: `${o.prefix}-f${k}` }));
  const deadlineMs = performance.now() + o.durationMs;
  let issued = 0;
  let writes = 0;

  /** The answer, or null when nobody knows what happened, or 'not_sent'. */
  const send = async (url: string, init: { method: 'GET' | 'POST'; body?: string }): Promise<Answer | null | 'not_sent'> => {
    try {
      const res = await request(url, {
        method: init.method,
        dispatcher: agent,
        headers: { ...o.headers, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: init.body,
        signal: AbortSignal.timeout(o.requestTimeoutMs),
      });
      const body: unknown = await res.body.json().catch(() => null);
      const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      const status = typeof error?.code === 'string' ? `${res.statusCode} ${error.code}` : String(res.statusCode);
      count(status);
      if (typeof error?.message === 'string') {
        if (!(status in messages)) messages[status] = error.message;
        const withMessage = `${status}: ${error.message}`;
        errorMessages[withMessage] = (errorMessages[withMessage] ?? 0) + 1;
      }
      const retryAfterS = Number(res.headers['retry-after']);
      return { status: res.statusCode, body, ...(Number.isFinite(retryAfterS) ? { retryAfterMs: retryAfterS * 1_000 } : {}) };
    } catch (cause) {
      const code = errorCode(cause);
      count(`error:${code}`);
      // Refused at connect (the member is down): the request never left, so it cannot take effect.
      return code === 'ECONNREFUSED' ? 'not_sent' : null;
    }
  };

  /** How long the client should pause after this answer before its next operation. */
  const backoffAfter = (answer: Answer | null | 'not_sent'): number => {
    if (answer === 'not_sent') return o.unavailableBackoffMs;
    if (answer === null || answer.status !== 503) return 0;
    return Math.min(o.unavailableBackoffMs, answer.retryAfterMs ?? o.unavailableBackoffMs);
  };

  const attest = async (node: string, a: Extract<AttestationInput, { kind: 'attest' }>, client: ClientState): Promise<CallOutcome<AttestationOutput>> => {
    const answer = await send(`${node}${deliverPath()}`, { method: 'POST', body: JSON.stringify({ events: [attestEvent(a)] }) });
    client.backoffMs = backoffAfter(answer);
    if (answer === 'not_sent') return { kind: 'failed', reason: 'connection refused' };
    if (answer !== null && refusedBeforeProposing(answer.status, answer.body)) return { kind: 'failed', reason: `${answer.status} refused before proposing` };
    // Only a receipt naming the event is an answer; any other error status or no answer leaves it open.
    const output = answer?.status === 200 ? attestOutcome(answer.body, a.eventId) : undefined;
    return output === undefined ? { kind: 'unknown' } : { kind: 'ok', output };
  };

  const read = async (node: string, r: Extract<AttestationInput, { kind: 'read' }>, client: ClientState): Promise<CallOutcome<AttestationOutput>> => {
    const answer = await send(`${node}${assetPath(r.assetId)}?consistency=${o.consistency}`, { method: 'GET' });
    client.backoffMs = backoffAfter(answer);
    // A read without a value is pending: the checker drops pending reads, as they change nothing.
    if (answer === null || answer === 'not_sent') return { kind: 'unknown' };
    if (isAssetNotFound(answer.status, answer.body)) return { kind: 'ok', output: { kind: 'read', latest: null } };
    const latest = answer.status === 200 ? latestFromAsset(answer.body, r.feedId) : undefined;
    return latest === undefined ? { kind: 'unknown' } : { kind: 'ok', output: { kind: 'read', latest } };
  };

  let processes = o.clients;
  const client = async (clientId: number) => {
    const state: ClientState = { processId: clientId, backoffMs: 0 };
    while (performance.now() < deadlineMs && issued < o.operationsMax && o.stop?.aborted !== true) {
      if (state.backoffMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, state.backoffMs));
        state.backoffMs = 0;
        continue;
      }
      issued++;
      let outcome: CallOutcome<AttestationOutput>;
      const key = pick(keys);
      const node = pick(o.nodeUrls);
      if (random() < o.writeShare) {
        const n = writes++;
        const a = {
          kind: 'attest' as const,
          ...key,
          eventId: `${o.prefix}-e${n}`,
          value: n,
          observedAtMs: OBSERVED_BASE_MS + n * OBSERVATION_STEP_MS - Math.floor(random() * o.backdateMsMax),
        };
        outcome = await recorder.record(state.processId, a, () => attest(node, a, state));
      } else {
        const r = { kind: 'read' as const, ...key };
        outcome = await recorder.record(state.processId, r, () => read(node, r, state));
      }
      // As in Jepsen: a process whose operation may still be in flight is retired, and the client
      // goes on as a new one, so no process has two operations open in the history.
      if (outcome.kind === 'unknown') state.processId = processes++;
    }
  };

  try {
    await Promise.all(Array.from({ length: o.clients }, (_, c) => client(c)));
  } finally {
    await agent.close();
  }
  return { history: recorder.history(), failed: recorder.failed(), statuses, messages, errorMessages };
}

interface Answer {
  status: number;
  body: unknown;
  retryAfterMs?: number;
}

interface ClientState {
  /** The process id operations are recorded under: a fresh one after each operation with an unknown outcome. */
  processId: number;
  /** Pause before the next operation, set from the last answer. */
  backoffMs: number;
}

/** Counts for reports: completed, failed for sure, and pending (writes and reads apart: the checker drops pending reads). */
export function outcomeCounts(result: Pick<WorkloadResult, 'history' | 'failed'>): { ok: number; failed: number; pendingWrites: number; pendingReads: number } {
  const pending = result.history.filter((op) => op.pending);
  const pendingWrites = pending.filter((op) => op.input.kind === 'attest').length;
  return { ok: result.history.length - pending.length, failed: result.failed.length, pendingWrites, pendingReads: pending.length - pendingWrites };
}

/**
 * Waits until every node names the same leader: a workload started before that measures the
 * election, not the steady state (and a node that knows no leader refuses linearizable reads).
 */
export async function waitForAgreedLeader(nodeUrls: readonly string[], headers: Record<string, string>, timeoutMs: number): Promise<string> {
  const deadlineMs = performance.now() + timeoutMs;
  const leaderOf = async (url: string): Promise<string | null> => {
    try {
      const res = await request(`${url}${API_PREFIX}/consensus/status`, { headers, signal: AbortSignal.timeout(STATUS_PROBE_TIMEOUT_MS) });
      const status = ConsensusStatus.safeParse(await res.body.json().catch(() => null));
      return status.success ? (status.data.leaderMemberId ?? status.data.leader) : null;
    } catch {
      return null;
    }
  };
  for (;;) {
    const leaders = await Promise.all(nodeUrls.map(leaderOf));
    const first = leaders[0];
    if (first !== null && first !== undefined && leaders.every((l) => l === first)) return first;
    if (performance.now() > deadlineMs) throw new Error(`no leader agreed by every node within ${timeoutMs} ms: ${JSON.stringify(leaders)}`);
    await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_MS));
  }
}

const STATUS_PROBE_TIMEOUT_MS = 2_000;
const STATUS_POLL_MS = 200;

export function checkAttestationHistory(history: readonly AttestationOperation[], timeoutMs: number): CheckResult<AttestationInput, AttestationOutput> {
  return checkLinearizable(attestationModel, history, { timeoutMs });
}

function errorCode(cause: unknown): string {
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return cause instanceof Error ? cause.name : 'unknown';
}
