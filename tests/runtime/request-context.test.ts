import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { CLUSTER_TOKEN_HEADER, clusterHeaders } from '../../runtime/cluster-auth.ts';
import { createLogger } from '../../runtime/logger.ts';
import { acceptRequestId, currentRequestId, requestContext, withRequestId } from '../../runtime/request-context.ts';
import { systemClock } from '../../slim/clock.ts';

function capturingLogger(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.length > 0) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('slim', level, sink), lines };
}

describe('request ids across roles', () => {
  it('passes the id of the request being handled on in calls to other nodes, and none outside a request', async () => {
    expect(clusterHeaders('secret')).toEqual({ [CLUSTER_TOKEN_HEADER]: 'secret' });
    const inside = await withRequestId('req-42', async () => {
      await Promise.resolve();
      return clusterHeaders('secret');
    });
    expect(inside).toEqual({ [CLUSTER_TOKEN_HEADER]: 'secret', 'x-request-id': 'req-42' });
  });

  it('puts the request id on every log line written while the request is handled, however deep', async () => {
    const { logger, lines } = capturingLogger();
    const app = new Hono();
    app.use('*', requestContext(logger));
    app.get('/work', async (c) => {
      await new Promise((r) => setImmediate(r));
      logger.child({ part: 'deep' }).info('doing the work');
      return c.json({ ok: true });
    });
    await app.request('/work', { headers: { 'x-request-id': 'req-7' } });
    expect(lines.find((l) => l.msg === 'doing the work')).toMatchObject({ requestId: 'req-7', role: 'slim', part: 'deep' });
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({ requestId: 'req-7', path: '/work', status: 200 });
  });

  it('logs requests that came without an id at debug only (probes, background deliveries)', async () => {
    const { logger, lines } = capturingLogger('info');
    const app = new Hono();
    app.use('*', requestContext(logger));
    app.get('/api/v11/health', (c) => c.json({ status: 'up' }));
    await app.request('/api/v11/health');
    expect(lines).toEqual([]);
  });

  it('replaces an id that is too long or holds unsafe characters', () => {
    expect(acceptRequestId('abc-DEF_123=')).toBe('abc-DEF_123=');
    expect(acceptRequestId('a'.repeat(129))).not.toBe('a'.repeat(129));
    expect(acceptRequestId('line\nbreak')).not.toContain('\n');
  });

  it('fires a timer armed during a request as background work, outside that request', async () => {
    const seen = await withRequestId('req-timer', () => new Promise<string | undefined>((resolve) => systemClock.setTimer(1, () => resolve(currentRequestId()))));
    expect(seen).toBeUndefined();
  });
});
