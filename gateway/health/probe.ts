import { clusterHeaders } from '../../runtime/cluster-auth.ts';
import { NodeHealth } from '../../schemas/index.ts';
import { API_PREFIX } from '../routing/policy.ts';
import type { ProbeResult, Upstream } from '../pools/upstream.ts';
import { readTextBounded } from '../../runtime/bounded-body.ts';
import type { UpstreamTransport } from '../proxy/transport.ts';

/** A health answer is a small JSON object; anything larger is not read (and its details are dropped). */
export const PROBE_BODY_MAX_BYTES = 65_536;

export interface ProbeOptions {
  clusterSecret: string;
  timeoutMs: number;
}

export type Probe = (upstream: Upstream) => Promise<ProbeResult>;

/**
 * One active health check: `GET <url>/api/v11/health` as a cluster member, sent through the
 * transport given here (the gateway gives probes their own connections, so busy request or
 * stream traffic cannot hold a probe back and get a healthy node marked down). A 2xx answer is up
 * (or degraded, if the node says so); anything else, or no answer within the timeout, is down.
 */
export function httpProbe(transport: UpstreamTransport, options: ProbeOptions): Probe {
  return async (upstream) => {
    const started = performance.now();
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      const res = await transport.send(upstream.url, {
        method: 'GET',
        path: `${API_PREFIX}/health`,
        headers: { ...clusterHeaders(options.clusterSecret), accept: 'application/json' },
        body: null,
        signal,
        headersTimeoutMs: options.timeoutMs,
        bodyIdleTimeoutMs: options.timeoutMs,
      });
      // Over the limit reads as no report: the status code alone decides.
      const text = res.body === null ? '' : ((await readTextBounded(res.body, PROBE_BODY_MAX_BYTES)) ?? '');
      const latencyMs = Math.round(performance.now() - started);
      const reported = parseNodeHealth(text);
      const checkedAt = new Date();
      if (res.status < 200 || res.status >= 300) {
        return { status: 'down', latencyMs, checkedAt, error: `health answered HTTP ${res.status}`, ...withDetails(reported) };
      }
      const status = reported?.status ?? 'up';
      return { status, latencyMs, checkedAt, ...withDetails(reported) };
    } catch (error) {
      return { status: 'down', latencyMs: null, checkedAt: new Date(), error: describe(error) };
    }
  };
}

const withDetails = (reported: NodeHealth | null): { details?: Record<string, unknown>; uptimeMs?: number } => ({
  ...(reported?.details === undefined ? {} : { details: reported.details }),
  ...(reported?.uptimeMs === undefined ? {} : { uptimeMs: reported.uptimeMs }),
});

function parseNodeHealth(text: string): NodeHealth | null {
  if (text === '') return null;
  try {
    const parsed = NodeHealth.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${typeof code === 'string' ? `${code} ` : ''}${error.message}${cause}`;
}
