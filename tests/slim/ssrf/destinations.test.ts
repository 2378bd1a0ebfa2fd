import type { LookupAddress } from 'node:dns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../runtime/errors.ts';
import { systemClock } from '../../../slim/clock.ts';
import { isTransientSourceError } from '../../../slim/outbound/index.ts';
import { SourceDestinations, systemResolve, type ResolveHost } from '../../../slim/outbound/destination/index.ts';
import { fetchFromSource } from '../../../slim/sources.ts';
import { guardOf } from '../outbound/support/guard.ts';
import { weatherFeedOf } from '../outbound/support/scripted-source.ts';
import { openMeteoAnswer } from '../service/support/open-meteo-source.ts';
import { LocalServer } from '../service/support/http-server.ts';

/** A resolver answering from a table, counting its calls: DNS without the internet. */
function tableResolver(table: Record<string, readonly string[] | readonly (readonly string[])[]>): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const answered = new Map<string, number>();
  const resolve = (hostname: string): Promise<readonly LookupAddress[]> => {
    calls.push(hostname);
    const entry = table[hostname];
    if (entry === undefined) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
    // A list of lists answers the next list on each call (a name that rebinds).
    const n = answered.get(hostname) ?? 0;
    answered.set(hostname, n + 1);
    const addresses = (Array.isArray(entry[0]) ? entry[Math.min(n, entry.length - 1)] : entry) as readonly string[];
    return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  return Object.assign(resolve, { calls });
}

/** A local Open-Meteo that counts requests: any request reaching it means the guard let one through. */
class CountingSource extends LocalServer {
  requests = 0;
  redirectTo: string | null = null;
  constructor() {
    super((req, res) => {
      this.requests += 1;
      if (this.redirectTo !== null) {
        res.writeHead(302, { location: this.redirectTo }).end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(openMeteoAnswer(url, new Date(), 12.5)));
    });
  }
}

const rejection = async (promise: Promise<unknown>): Promise<AppError> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
};

const source = new CountingSource();
const opened: SourceDestinations[] = [];
const destinationsOf = (options: { originsAllowed?: string[]; resolve?: ResolveHost } = {}): SourceDestinations => {
  const d = new SourceDestinations({ originsAllowed: options.originsAllowed ?? [], ...(options.resolve === undefined ? {} : { resolve: options.resolve }) });
  opened.push(d);
  return d;
};
const fetchVia = (destinations: SourceDestinations, baseUrl: string) =>
  fetchFromSource(weatherFeedOf(baseUrl), { timeoutMs: 2_000, clock: systemClock, destinations });

beforeAll(() => source.start());
afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
  await source.stop();
});
afterEach(() => {
  source.requests = 0;
  source.redirectTo = null;
});

describe('checking a source host name at registration', () => {
  it('refuses a name that resolves to a private address, naming the address and its class', async () => {
    const verdict = await destinationsOf({ resolve: tableResolver({ 'internal.example': ['10.0.0.5'] }) }).verdict(new URL('https://internal.example/'));
    expect(verdict).toMatchObject({ allowed: false, address: '10.0.0.5', class: 'private', reason: 'internal.example resolves to 10.0.0.5, a private address' });
  });

  it('refuses a name when any one of its addresses is not public', async () => {
    const resolve = tableResolver({ 'mixed.example': ['93.184.216.34', '2606:2800:220:1::1', 'fd00::7'] });
    const verdict = await destinationsOf({ resolve }).verdict(new URL('https://mixed.example/'));
    expect(verdict).toMatchObject({ allowed: false, address: 'fd00::7', class: 'unique_local' });
  });

  it('accepts a name whose addresses are all public', async () => {
    const resolve = tableResolver({ 'api.example': ['93.184.216.34', '2606:2800:220:1::1'] });
    expect(await destinationsOf({ resolve }).verdict(new URL('https://api.example/'))).toEqual({ allowed: true });
  });

  it('accepts a name that does not resolve now, leaving the check to each connection', async () => {
    expect(await destinationsOf({ resolve: tableResolver({}) }).verdict(new URL('https://not-yet.example/'))).toEqual({ allowed: true });
  });

  it('refuses a cloud metadata host name without asking DNS', async () => {
    const resolve = tableResolver({ 'metadata.google.internal': ['93.184.216.34'] });
    const verdict = await destinationsOf({ resolve }).verdict(new URL('http://metadata.google.internal/computeMetadata/v1/'));
    expect(verdict).toMatchObject({ allowed: false, class: 'metadata' });
    expect(resolve.calls).toEqual([]);
  });

  it('lets an origin the operator allows resolve to loopback, and only that origin', async () => {
    const resolve = tableResolver({ 'source.internal': ['127.0.0.1'] });
    const destinations = destinationsOf({ originsAllowed: ['http://source.internal:8081'], resolve });
    expect(await destinations.verdict(new URL('http://source.internal:8081/v1'))).toEqual({ allowed: true });
    expect(await destinations.verdict(new URL('http://source.internal:8082/v1'))).toMatchObject({ allowed: false, class: 'loopback' });
  });
});

describe('checking where a source connection goes', () => {
  it('refuses a literal private address before any connection', () => {
    const error = (() => {
      try {
        destinationsOf().dispatcherFor(new URL('http://10.0.0.5/v1/forecast'));
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('SOURCE_FAILED');
    expect((error as AppError).message).toContain('10.0.0.5 is a private address');
  });

  it('hands the socket exactly the addresses it checked, resolving once', async () => {
    const resolve = tableResolver({ 'api.example': ['93.184.216.34', '2606:2800:220:1::1'] });
    const destinations = destinationsOf({ resolve });
    const answer = await new Promise<unknown>((done, fail) =>
      destinations.lookup('api.example', { all: true }, (err, addresses) => (err === null ? done(addresses) : fail(err))),
    );
    expect(answer).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
    expect(resolve.calls).toEqual(['api.example']);
  });

  it('refuses a name that rebinds to loopback between registration and the connection', async () => {
    const resolve = tableResolver({ 'rebind.example': [['93.184.216.34'], ['127.0.0.1']] });
    const destinations = destinationsOf({ resolve });
    const baseUrl = `http://rebind.example:${source.port}`;
    expect(await destinations.verdict(new URL(baseUrl))).toEqual({ allowed: true });
    const error = await rejection(fetchVia(destinations, baseUrl));
    expect(error.code).toBe('SOURCE_FAILED');
    expect(error.message).toContain('rebind.example resolves to 127.0.0.1, a loopback address');
    expect(source.requests).toBe(0);
  });

  it('refuses localhost through the system resolver, end to end', async () => {
    const error = await rejection(fetchVia(destinationsOf({ resolve: systemResolve }), `http://localhost:${source.port}`));
    expect(error.message).toMatch(/localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(source.requests).toBe(0);
  });

  it('refuses an odd spelling of a loopback literal, end to end', async () => {
    const error = await rejection(fetchVia(destinationsOf(), `http://0x7f.0.0.1:${source.port}`));
    expect(error.message).toContain('127.0.0.1 is a loopback address');
    expect(source.requests).toBe(0);
  });

  it('fetches from loopback when the operator allows the origin', async () => {
    const observation = await fetchVia(destinationsOf({ originsAllowed: [`http://localhost:${source.port}`] }), `http://localhost:${source.port}`);
    expect(observation.value).toBe(12.5);
    expect(source.requests).toBe(1);
  });

  it('fails a refused fetch once, without retrying it as a transient failure', async () => {
    const resolve = tableResolver({ 'internal.example': ['10.0.0.5'] });
    const destinations = destinationsOf({ resolve });
    const guarded = guardOf().guard((feed: ReturnType<typeof weatherFeedOf>, attempt) =>
      fetchFromSource(feed, { timeoutMs: attempt.timeoutMs, clock: systemClock, destinations }),
    );
    const error = await rejection(guarded(weatherFeedOf('http://internal.example')));
    expect(error.message).toContain('internal.example resolves to 10.0.0.5, a private address');
    expect(isTransientSourceError(error)).toBe(false);
    expect(resolve.calls).toEqual(['internal.example']);
  });

  it('does not follow a redirect, and says why', async () => {
    source.redirectTo = 'http://169.254.169.254/latest/meta-data/';
    const error = await rejection(fetchVia(destinationsOf({ originsAllowed: [source.url] }), source.url));
    expect(error.message).toMatch(/HTTP 302, a redirect to http:\/\/169\.254\.169\.254\/latest\/meta-data\/: redirects are not followed/);
    expect(isTransientSourceError(error)).toBe(false);
    expect(source.requests).toBe(1);
  });
});
