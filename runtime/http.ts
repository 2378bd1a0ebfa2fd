import { serve, type ServerType } from '@hono/node-server';
import type { Context, Env, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { z } from 'zod';
import { AppError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { ErrorBody } from '../schemas/index.ts';

/** Zod issues as a client can read them: the field's path and what is wrong with it. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): { message: string; details: { path: string; message: string }[] } {
  const details = issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
  const message = details
    .slice(0, 5)
    .map((d) => `${d.path}: ${d.message}`)
    .join('; ');
  return { message: `invalid input: ${message}`, details };
}

/** Bound on how deep the NUL scan descends; the body limit already bounds the total size. */
const NUL_SCAN_DEPTH_MAX = 64;

/**
 * Path of the first string (key or value) holding U+0000, which PostgreSQL cannot store in
 * text or jsonb: refused here as bad input rather than failing later as a server error.
 */
export function findNulCharacter(value: unknown, path: string[] = [], depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path.join('.') || '(value)' : null;
  if (value === null || typeof value !== 'object' || depth > NUL_SCAN_DEPTH_MAX) return null;
  for (const [key, member] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key].join('.');
    const found = findNulCharacter(member, [...path, key], depth + 1);
    if (found !== null) return found;
  }
  return null;
}

export function parseWith<S extends z.ZodType>(schema: S, input: unknown, where: string): z.infer<S> {
  const nulAt = findNulCharacter(input);
  if (nulAt !== null) {
    throw new AppError('INVALID_INPUT', `${where === 'body' ? '' : `${where} `}${nulAt}: contains a NUL character (U+0000)`, {
      details: [{ path: nulAt, message: 'contains a NUL character (U+0000)' }],
    });
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const { message, details } = describeIssues(parsed.error.issues);
    throw new AppError('INVALID_INPUT', where === 'body' ? message : `${where} ${message}`, { details });
  }
  return parsed.data;
}

/** Reads and validates a JSON body; malformed JSON and schema violations are 400s that name the problem. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch (cause) {
    if (cause instanceof AppError || cause instanceof HTTPException) throw cause;
    throw new AppError('INVALID_JSON', 'the body is not valid JSON', { cause });
  }
  return parseWith(schema, body, 'body');
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return parseWith(schema, c.req.query(), 'query');
}

export function readParam<S extends z.ZodType>(c: Context, name: string, schema: S): z.infer<S> {
  return parseWith(schema, c.req.param(name), `path parameter ${name}:`);
}

/** The JSON body of an error answer: `{ error: { code, message, details? } }`. */
export function errorBody(error: AppError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details !== undefined) body.error.details = error.details;
  return body;
}

export function errorResponse(c: Context, error: AppError): Response {
  if (error.retryAfterS !== undefined) c.header('Retry-After', String(error.retryAfterS));
  return c.json(errorBody(error), error.status);
}

/**
 * The AppError any failure is answered with, logged as the contract says: server-side AppErrors
 * as warnings, anything unexpected as an error answered 500 INTERNAL (never its stack).
 */
export function answerableError(err: unknown, logger: Logger): AppError {
  if (err instanceof AppError) {
    if (err.status >= 500) logger.warn({ code: err.code, err: err.cause ?? err }, err.message);
    return err;
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'the body exceeds the size limit');
    if (status === 400) return new AppError('INVALID_INPUT', err.message || 'bad request');
    if (status === 401) return new AppError('UNAUTHENTICATED', err.message || 'authentication required');
  }
  logger.error({ err }, 'unhandled error');
  return new AppError('INTERNAL', 'internal error');
}

/** Installs the JSON error contract on an app: every failure is `{ error: { code, message } }`, never a stack. */
export function installErrorHandling<E extends Env>(app: Hono<E>, logger: Logger): void {
  app.notFound((c) => errorResponse(c, new AppError('ROUTE_NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => errorResponse(c, answerableError(err, logger)));
}

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Starts an app on host:port (0 picks a free port) and resolves once it listens. */
export function startServer<E extends Env>(app: Hono<E>, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    let server: ServerType | undefined;
    const onError = (e: Error) => reject(e);
    server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      const close = () =>
        new Promise<void>((done) => {
          if (server === undefined) return done();
          if ('closeAllConnections' in server) server.closeAllConnections();
          server.close(() => done());
        });
      resolve({ port: info.port, url: `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`, close });
    });
    server.once('error', onError);
  });
}
