import { AsyncLocalStorage } from 'node:async_hooks';
import { request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { readTextBounded } from '../runtime/bounded-body.ts';
import { AppError } from '../runtime/errors.ts';
import { errorCode, isTimeoutError } from '../runtime/undici-errors.ts';

/** Upstream answers larger than this are refused: a weather reading is under 1 KiB, a runaway body is not data. */
export const SOURCE_BODY_BYTES_MAX = 1_048_576;
/** How much of an error body is quoted in the message (Open-Meteo explains 400s in a JSON `reason`). */
const ERROR_BODY_QUOTED_CHARS_MAX = 200;

export interface GetJsonOptions {
  /** Bounds the whole exchange (connect, headers, body), not just each phase. */
  timeoutMs: number;
  bodyBytesMax?: number;
  /** Name of the source for messages ("Open-Meteo"). */
  sourceName: string;
  dispatcher?: Dispatcher;
  /** Extra request headers (a source's API key). Never quoted in errors or observations. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * Where source requests may go, decided per URL by the caller that owns the policy (the slim
 * worker's SSRF guard, slim/outbound/destination). Answers the dispatcher to use (undefined for
 * the default one) or throws AppError SOURCE_FAILED for a destination it refuses.
 */
export interface SourceDispatchPolicy {
  dispatcherFor(url: URL): Dispatcher | undefined;
}

/**
 * The policy in force for the requests made inside `withSourceDispatch`. A scope rather than a
 * parameter so that every adapter's requests are covered without each one passing it along,
 * and so that one forgotten argument cannot open a way around it.
 */
const dispatchScope = new AsyncLocalStorage<SourceDispatchPolicy>();

/** Runs `fetch` (an adapter call) with every source request it makes going through `policy`. */
export function withSourceDispatch<T>(policy: SourceDispatchPolicy, fetch: () => Promise<T>): Promise<T> {
  return dispatchScope.run(policy, fetch);
}

/** A validated answer with the response headers an adapter may need (RentCast dates its answer only by `Date`). */
export interface JsonResponse<T> {
  body: T;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * GET a JSON document and validate it with `schema`. Every failure is an AppError
 * 'SOURCE_FAILED' whose message says what went wrong (network, status, timeout, size, JSON,
 * which field) and whose cause keeps the original error. No retries: callers decide.
 */
export async function getJson<S extends z.ZodType>(url: string, schema: S, options: GetJsonOptions): Promise<z.infer<S>> {
  return (await getJsonResponse(url, schema, options)).body;
}

/** `getJson`, also answering the response headers. */
export async function getJsonResponse<S extends z.ZodType>(url: string, schema: S, options: GetJsonOptions): Promise<JsonResponse<z.infer<S>>> {
  const { timeoutMs, sourceName } = options;
  const bodyBytesMax = options.bodyBytesMax ?? SOURCE_BODY_BYTES_MAX;
  let text: string;
  // The deadline of the whole exchange. Not AbortSignal.timeout: its timer outlives a finished
  // request until it fires, so at a high fetch rate every recent fetch would still hold one.
  const deadline = new AbortController();
  const deadlineTimer = setTimeout(() => deadline.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  let statusCode: number;
  let headers: JsonResponse<unknown>['headers'];
  try {
    // Inside a scope its policy decides, whatever the caller passed: the guard cannot be bypassed by an argument.
    const scope = dispatchScope.getStore();
    const dispatcher = scope === undefined ? options.dispatcher : scope.dispatcherFor(new URL(url));
    const response = await request(url, {
      method: 'GET',
      headers: { ...options.headers, accept: 'application/json' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      // headersTimeout and bodyTimeout bound each phase; the signal bounds their sum.
      signal: deadline.signal,
      ...(dispatcher === undefined ? {} : { dispatcher }),
    });
    statusCode = response.statusCode;
    headers = response.headers;
    const ok = statusCode >= 200 && statusCode < 300;
    const declaredBytes = Number(headers['content-length']);
    if (ok && Number.isFinite(declaredBytes) && declaredBytes > bodyBytesMax) {
      // Announced too large: refused unread, and the connection is dropped rather than drained.
      response.body.destroy();
      throw new AppError('SOURCE_FAILED', `${sourceName}: response body exceeds ${bodyBytesMax} bytes (it declares ${declaredBytes})`);
    }
    const read = await readTextBounded(response.body, ok ? bodyBytesMax : ERROR_BODY_QUOTED_CHARS_MAX * 4);
    // An oversized answer is a failure; an oversized error answer just goes unquoted.
    if (read === null && ok) throw new AppError('SOURCE_FAILED', `${sourceName}: response body exceeds ${bodyBytesMax} bytes`);
    text = read ?? '';
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw new AppError('SOURCE_FAILED', `${sourceName}: ${describeNetworkError(cause, timeoutMs)}`, { cause });
  } finally {
    clearTimeout(deadlineTimer);
  }

  if (statusCode >= 300 && statusCode < 400) {
    // Sources are APIs: a redirect is a misconfigured base URL, and following one would need its own destination check.
    const location = Array.isArray(headers['location']) ? headers['location'][0] : headers['location'];
    throw new AppError(
      'SOURCE_FAILED',
      `${sourceName} answered HTTP ${statusCode}, a redirect${location ? ` to ${location.slice(0, ERROR_BODY_QUOTED_CHARS_MAX)}` : ''}: redirects are not followed (set the source's baseUrl to the final address)`,
      { details: { status: statusCode } },
    );
  }
  if (statusCode < 200 || statusCode >= 300) {
    const quoted = quoteErrorBody(text);
    const retryAfterS = retryAfterSeconds(headers['retry-after']);
    throw new AppError('SOURCE_FAILED', `${sourceName} answered HTTP ${statusCode}${quoted ? `: ${quoted}` : ''}`, {
      details: { status: statusCode },
      ...(retryAfterS === undefined ? {} : { retryAfterS }),
    });
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new AppError('SOURCE_FAILED', `${sourceName} answered with a body that is not JSON`, { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
    const named = issues
      .slice(0, 3)
      .map((i) => `${i.path}: ${i.message}`)
      .join('; ');
    throw new AppError('SOURCE_FAILED', `${sourceName} response does not match its schema: ${named}`, {
      cause: parsed.error,
      details: issues,
    });
  }
  return { body: parsed.data, headers };
}

/** `Retry-After` in seconds (a 429 or 503 may carry it), or undefined when absent or not a delay in seconds. */
function retryAfterSeconds(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\d{1,9}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

function quoteErrorBody(text: string): string {
  try {
    const json: unknown = JSON.parse(text);
    if (json !== null && typeof json === 'object') {
      // Open-Meteo says `reason`; Alpaca and RentCast `message`; Carbon Intensity `error.message`.
      if ('reason' in json && typeof json.reason === 'string') return json.reason.slice(0, ERROR_BODY_QUOTED_CHARS_MAX);
      if ('message' in json && typeof json.message === 'string') return json.message.slice(0, ERROR_BODY_QUOTED_CHARS_MAX);
      const inner = 'error' in json ? json.error : undefined;
      if (inner !== null && typeof inner === 'object' && 'message' in inner && typeof inner.message === 'string') {
        return inner.message.slice(0, ERROR_BODY_QUOTED_CHARS_MAX);
      }
    }
  } catch {
    // Not JSON: quote the text itself.
  }
  return text.trim().slice(0, ERROR_BODY_QUOTED_CHARS_MAX);
}

function describeNetworkError(cause: unknown, timeoutMs: number): string {
  const code = errorCode(cause);
  // The only abort signal is the deadline, so an aborted request is a timed-out one.
  if (isTimeoutError(cause) || code === 'UND_ERR_ABORTED' || (cause instanceof Error && cause.name === 'AbortError')) {
    return `timed out after ${timeoutMs} ms`;
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return `request failed${code ? ` (${code})` : ''}: ${message}`;
}
