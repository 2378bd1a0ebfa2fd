import { Agent, request } from 'undici';
import { clusterHeaders } from '../../runtime/cluster-auth.ts';
import { AppError, ERROR_STATUS, type ErrorCode } from '../../runtime/errors.ts';
import type { Transaction } from '../../schemas/index.ts';
import type { CommitResult } from '../node/consensus.ts';
import { FORWARD_PATH, ForwardedOutcomes } from './forward-wire.ts';

export interface LeaderForwarderOptions {
  clusterSecret: string;
  /** How long the leader may take to commit a forwarded batch before the caller is told to retry. */
  timeoutMs: number;
}

/**
 * Sends transactions a non-leader received to the leader over one keep-alive agent. Every failure
 * is a retryable 503: the caller delivers again (delivery is idempotent), by then to the new leader.
 */
export class LeaderForwarder {
  private readonly agent = new Agent({ keepAliveTimeout: 4_000, connections: 16 });

  constructor(private readonly options: LeaderForwarderOptions) {}

  async submit(leaderUrl: string, txs: readonly Transaction[]): Promise<CommitResult[]> {
    let res;
    try {
      res = await request(`${leaderUrl}${FORWARD_PATH}`, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/json', ...clusterHeaders(this.options.clusterSecret) },
        body: JSON.stringify({ transactions: txs }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (cause) {
      // A refused connection sent nothing, so the leader never saw the batch; said apart from a
      // timeout or reset (the batch may be in the leader's log), so a caller can tell "not taken" from "unknown".
      if (errorCodeOfCause(cause) === 'ECONNREFUSED') throw new AppError('UNAVAILABLE', 'the leader refused the connection; deliver again', { retryAfterS: 1, cause });
      throw new AppError('UNAVAILABLE', 'the leader could not be reached; deliver again', { retryAfterS: 1, cause });
    }
    const body: unknown = await res.body.json().catch(() => null);
    if (res.statusCode !== 200) {
      const code = errorCodeOf(body);
      // The leader's own refusal (mempool full, stepping down) goes back to the caller as it was.
      if (code !== null && res.statusCode >= 500) throw new AppError(code, messageOf(body), { retryAfterS: 1 });
      throw new AppError('UNAVAILABLE', `the leader answered ${res.statusCode}; deliver again`, { retryAfterS: 1 });
    }
    const parsed = ForwardedOutcomes.safeParse(body);
    if (!parsed.success || parsed.data.outcomes.length !== txs.length) {
      throw new AppError('UPSTREAM_FAILED', 'the leader answered a forwarded batch with a malformed body');
    }
    return parsed.data.outcomes;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function errorCodeOf(body: unknown): ErrorCode | null {
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' && code in ERROR_STATUS ? (code as ErrorCode) : null;
}

function messageOf(body: unknown): string {
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === 'string' ? message : 'the leader refused the batch';
}

function errorCodeOfCause(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
