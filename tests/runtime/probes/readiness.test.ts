import { describe, expect, it } from 'vitest';
import { evaluateReadiness } from '../../../runtime/probes/readiness.ts';

describe('readiness evaluation', () => {
  it('is ready only while running with every check met', async () => {
    const probes = { storage: () => ({ ok: true }) };
    expect((await evaluateReadiness('running', probes)).status).toBe('ready');
    expect(await evaluateReadiness('stopping', probes)).toEqual({ status: 'not_ready', phase: 'stopping', checks: { storage: { ok: true } } });
  });

  it('reports a check that throws as not met, with its message', async () => {
    const readiness = await evaluateReadiness('running', {
      leader: () => ({ ok: true }),
      storage: async () => {
        throw new Error('connection refused');
      },
    });
    expect(readiness.status).toBe('not_ready');
    expect(readiness.checks['storage']).toEqual({ ok: false, reason: 'connection refused' });
  });
});
