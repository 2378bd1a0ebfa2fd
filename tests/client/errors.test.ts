import { describe, expect, it } from 'vitest';
import { ApiError } from '../../client/api/index.ts';
import { errorOf } from '../../client/api/http.ts';
import { COMMANDS } from '../../client/cli/commands/index.ts';
import { describe as describeFailure } from '../../client/cli/main.ts';

const feedsList = COMMANDS.find((c) => c.name === 'feeds list')!;
const body = (code: string, message: string, details?: unknown) => JSON.stringify({ error: { code, message, details } });

describe('client errors as a person reads them', () => {
  it("keeps the server's code, message, status and Retry-After", () => {
    const error = errorOf(429, body('ACCOUNT_PENDING_LIMIT', 'too many pending transactions'), '5');
    expect(error).toMatchObject({ code: 'ACCOUNT_PENDING_LIMIT', status: 429, retryAfterS: 5 });
    expect(describeFailure(feedsList, error, false)).toBe('error: too many pending transactions (ACCOUNT_PENDING_LIMIT, HTTP 429; try again in 5 s)');
  });

  it("names a foreign error page by its status and first characters, not as the API's error", () => {
    const error = errorOf(502, '<html><body>Bad gateway</body></html>');
    expect(error).toMatchObject({ code: 'HTTP_ERROR', status: 502 });
    expect(error.message).toContain('Bad gateway');
  });

  it('lists the fields the server found wrong, one line each', () => {
    const issues = [{ path: ['source', 'params', 'latitude'], message: 'Too big: expected number to be <=90' }];
    const text = describeFailure(feedsList, errorOf(400, body('INVALID_INPUT', 'invalid body', issues)), false);
    expect(text).toBe('error: invalid body (INVALID_INPUT, HTTP 400)\n  - source.params.latitude: Too big: expected number to be <=90');
  });

  it('shows the stack only when asked (ORACLE_DEBUG=1)', () => {
    const error = new ApiError('UNREACHABLE', 'cannot reach the gateway', 0);
    expect(describeFailure(feedsList, error, false)).toBe('error: cannot reach the gateway (UNREACHABLE)');
    expect(describeFailure(feedsList, error, true)).toMatch(/\n\s+at /);
  });
});
