import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, bearer } from '../support.ts';
import { gatewayWithOneValidator, rawGet } from './support.ts';

/**
 * A bodiless request to a proxied route with a plain target is served on the gateway's Node fast
 * path; the same request with a percent-encoded query goes through the Hono app. Both must give
 * the client and the upstream the same thing.
 */
describe('the two server paths of a proxied request', () => {
  const suite = gatewayWithOneValidator();

  /** Header names, without the ones that vary per request or connection. */
  const names = (headers: Record<string, unknown>) =>
    Object.keys(headers)
      .map((n) => n.toLowerCase())
      .filter((n) => n !== 'date')
      .sort();

  const both = async (path: string, headers: Record<string, string>) => {
    const { gw, upstream } = suite;
    const seenBefore = upstream.seen.length;
    const fast = await rawGet(gw.api(path), headers);
    const viaApp = await rawGet(gw.api(`${path}?via=%61pp`), headers);
    return { fast, viaApp, seen: upstream.seen.slice(seenBefore) };
  };

  it('gives a proxied answer the same headers, and the upstream the same request headers', async () => {
    const { fast, viaApp, seen } = await both('/state/assets/a1', bearer(ADMIN_KEY));
    expect(fast.status).toBe(200);
    expect(viaApp.status).toBe(200);
    expect(names(fast.headers)).toEqual(names(viaApp.headers));
    for (const name of ['content-security-policy', 'strict-transport-security', 'x-frame-options', 'ratelimit-limit', 'content-type']) {
      expect(fast.headers[name], name).toBe(viaApp.headers[name]);
    }
    expect(seen).toHaveLength(2);
    const [first, second] = seen;
    expect(names(first?.headers ?? {})).toEqual(names(second?.headers ?? {}));
    expect(first?.headers['x-principal-role']).toBe('admin');
    expect(second?.headers['x-principal-role']).toBe('admin');
  });

  it('answers a refused request with the same status, error body and headers', async () => {
    const { fast, viaApp, seen } = await both('/state/assets/a1', {});
    expect(fast.status).toBe(401);
    expect(viaApp.status).toBe(401);
    expect(JSON.parse(fast.body.toString('utf8'))).toEqual(JSON.parse(viaApp.body.toString('utf8')));
    expect(names(fast.headers)).toEqual(names(viaApp.headers));
    expect(seen).toHaveLength(0);
  });
});
