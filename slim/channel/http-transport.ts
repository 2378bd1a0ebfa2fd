import { request } from 'undici';
import { ChannelDeliveryReceipt, type ChannelDelivery, type ChannelEvent } from '../../schemas/index.ts';
import { clusterHeaders } from '../../runtime/cluster-auth.ts';
import { readTextBounded } from '../../runtime/bounded-body.ts';
import { AppError } from '../../runtime/errors.ts';
import type { ChannelTransport, DeliveryReceipt } from './transport.ts';

export const CHANNEL_EVENTS_PATH = '/api/v11/internal/channel-events';
/** The validator answers only once the batch is in a block, so this covers a few block intervals, not one round trip. */
export const CHANNEL_DELIVERY_TIMEOUT_MS = 15_000;
/** Bound on what we read of an error answer (for the log line). */
const ERROR_BODY_BYTES_MAX = 2_000;

/**
 * Delivers batches to the validators over HTTP with the cluster token. Tries the validator
 * that worked last, then the others in turn; all failing is one failed delivery.
 */
export class HttpChannelTransport implements ChannelTransport {
  readonly name = 'http';
  private preferred = 0;

  constructor(
    private readonly options: {
      validatorUrls: string[];
      clusterSecret: string;
      timeoutMs?: number;
    },
  ) {}

  async deliver(events: ChannelEvent[], signal: AbortSignal): Promise<DeliveryReceipt> {
    const urls = this.options.validatorUrls;
    if (urls.length === 0) throw new AppError('UNAVAILABLE', 'no validator configured (VALIDATOR_URLS is empty)', { retryAfterS: 5 });
    const body: ChannelDelivery = { events };
    const payload = JSON.stringify(body);
    let lastError: AppError | undefined;
    for (let i = 0; i < urls.length; i += 1) {
      const index = (this.preferred + i) % urls.length;
      const base = urls[index];
      if (base === undefined) continue;
      try {
        const receipt = await this.post(base, payload, signal);
        this.preferred = index;
        return receipt;
      } catch (err) {
        lastError = err instanceof AppError ? err : new AppError('UNAVAILABLE', `validator ${base} unreachable`, { cause: err });
        if (signal.aborted) break;
      }
    }
    throw lastError ?? new AppError('UNAVAILABLE', 'no validator reachable');
  }

  private async post(base: string, payload: string, signal: AbortSignal): Promise<DeliveryReceipt> {
    const url = `${base.replace(/\/$/, '')}${CHANNEL_EVENTS_PATH}`;
    const timeoutMs = this.options.timeoutMs ?? CHANNEL_DELIVERY_TIMEOUT_MS;
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...clusterHeaders(this.options.clusterSecret) },
      body: payload,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    if (res.statusCode !== 200) {
      const text = (await readTextBounded(res.body, ERROR_BODY_BYTES_MAX)) ?? '(error body too large to quote)';
      const retryAfterS = parseRetryAfterS(res.headers['retry-after']);
      throw new AppError('UNAVAILABLE', `validator ${base} answered ${res.statusCode}: ${text}`, retryAfterS === undefined ? {} : { retryAfterS });
    }
    const parsed = ChannelDeliveryReceipt.safeParse(await res.body.json());
    if (!parsed.success) throw new AppError('UPSTREAM_FAILED', `validator ${base} answered 200 with an unexpected body`, { cause: parsed.error });
    return {
      committedIds: parsed.data.committed.map((c) => c.eventId),
      refused: parsed.data.rejected.map((r) => ({ eventId: r.eventId, reason: `${r.code}: ${r.message}` })),
    };
  }
}

function parseRetryAfterS(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
