import type { z } from 'zod';
import { ErrorBody } from '../../schemas/index.ts';
import { ApiError, CLIENT_ERROR } from './errors.ts';

export interface HttpOptions {
  /** The gateway's URL (`http://host:8080`) or its API root (`.../api/v11`). */
  url: string;
  /** API key of the caller's role, sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Per call; a channel tail is not bounded by it. */
  timeoutMs?: number;
  /** Sent with every call (e.g. a proxy's or a node's own credentials). */
  headers?: Record<string, string>;
  /** A fetch of one's own (tests, proxies); the platform's by default. */
  fetch?: typeof fetch;
}

export const API_PREFIX = '/api/v11';
export const TIMEOUT_MS_DEFAULT = 15_000;
/** Longest error message kept from a body that is not the API's: enough to recognise it, not a page of HTML. */
const FOREIGN_BODY_CHARS_MAX = 200;

/** The API root of a gateway URL, with or without the prefix and trailing slash. */
export function apiRoot(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith(API_PREFIX) ? trimmed : `${trimmed}${API_PREFIX}`;
}

/** One JSON call: the answer parsed by `schema`, or an ApiError that says what the server said. */
export class Http {
  readonly root: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: HttpOptions) {
    this.root = apiRoot(options.url);
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? TIMEOUT_MS_DEFAULT;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', ...this.options.headers, ...(this.options.apiKey === undefined ? {} : { authorization: `Bearer ${this.options.apiKey}` }), ...extra };
  }

  async json<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
    const response = await this.send(path, {
      method,
      headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // Each call its own signal: one slow call never aborts another.
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text().catch((error: unknown) => {
      throw new ApiError(CLIENT_ERROR.UNREACHABLE, `the answer from ${path} broke off: ${messageOf(error)}`, response.status, undefined, { cause: error });
    });
    if (!response.ok) throw errorOf(response.status, text, response.headers.get('retry-after'));
    const parsed = schema.safeParse(parseJson(text));
    if (!parsed.success) {
      throw new ApiError(CLIENT_ERROR.BAD_RESPONSE, `the answer from ${method} ${path} is not what the API documents`, response.status, parsed.error.issues);
    }
    return parsed.data;
  }

  /** A request whose answer the caller reads (streams); errors of the request itself become ApiErrors. */
  async send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(`${this.root}${path}`, init);
    } catch (error) {
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError') && init.signal?.aborted === true) {
        const timedOut = init.signal.reason instanceof Error && init.signal.reason.name === 'TimeoutError';
        throw new ApiError(timedOut ? CLIENT_ERROR.TIMEOUT : CLIENT_ERROR.ABORTED, timedOut ? `no answer from ${this.root}${path} within ${this.timeoutMs} ms` : 'the call was cancelled', 0, undefined, { cause: error });
      }
      throw new ApiError(CLIENT_ERROR.UNREACHABLE, `cannot reach ${this.root}${path}: ${messageOf(error)}`, 0, undefined, { cause: error });
    }
  }
}

/** The API's error body as an ApiError; anything else (a proxy's page) as HTTP_ERROR with its start. */
export function errorOf(status: number, text: string, retryAfter: string | null = null): ApiError {
  const body = ErrorBody.safeParse(parseJson(text));
  // Retry-After in seconds (the form this API sends); an HTTP date is left to the caller's judgement.
  const retryAfterS = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  if (body.success) return new ApiError(body.data.error.code, body.data.error.message, status, body.data.error.details, retryAfterS === undefined ? {} : { retryAfterS });
  return new ApiError(CLIENT_ERROR.HTTP_ERROR, `HTTP ${status}: ${text.slice(0, FOREIGN_BODY_CHARS_MAX) || '(empty body)'}`, status);
}

/** The JSON in `text`, or undefined: a schema then says what is wrong with it. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** fetch's errors hide the reason in `cause` (ECONNREFUSED...): name it. */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) return `${error.message} (${'code' in cause && typeof cause.code === 'string' ? cause.code : cause.message})`;
  return error.message;
}
