import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { AppError } from '../../../runtime/errors.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Recorded {
  url: URL;
  headers: IncomingHttpHeaders;
}

export const fixture = (source: string, name: string): string => readFileSync(new URL(`../../fixtures/${source}/${name}`, import.meta.url), 'utf8');

export const serveJson =
  (status: number, body: string, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
  };

/**
 * A real HTTP server on loopback standing in for a source: each test chooses its answer
 * (`handler`, reset to `defaultHandler()` before each test) and reads what it was asked.
 */
export class SourceServer {
  handler: Handler;
  requests: Recorded[] = [];
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly defaultHandler: () => Handler) {
    this.handler = defaultHandler();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.requests.push({ url: new URL(req.url ?? '/', 'http://127.0.0.1'), headers: req.headers });
      this.handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  reset(): void {
    this.requests = [];
    this.handler = this.defaultHandler();
  }
}

/** One source server for the calling file: started before its tests, reset before each, stopped after. */
export function useSourceServer(defaultHandler: () => Handler): SourceServer {
  const server = new SourceServer(defaultHandler);
  beforeAll(() => server.start());
  beforeEach(() => server.reset());
  afterAll(() => server.stop());
  return server;
}

/** The AppError SOURCE_FAILED a promise rejects with. */
export async function sourceFailure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('SOURCE_FAILED');
  return error as AppError;
}

/** The HTTP status a SOURCE_FAILED names in its details. */
export const statusOf = (error: AppError): unknown => (error.details as { status?: unknown } | undefined)?.status;
