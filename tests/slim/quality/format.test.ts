import { describe, expect, it } from 'vitest';
import { checkFormat, inspectFormat } from '../../../slim/quality/index.ts';
import { contextFor, weather } from './support.ts';

describe('format', () => {
  it('accepts a valid observation', () => {
    const o = weather();
    expect(checkFormat(o, contextFor(o)).score).toBe(1);
  });

  it('names the failing field of a schema violation', () => {
    const o = weather();
    const result = checkFormat({ ...o, value: 'warm' }, contextFor(o));
    expect(result.score).toBe(0);
    expect(result.reason).toMatch(/^schema violations: value: /);
  });

  it('names at most three problems and counts the rest', () => {
    const o = weather();
    const broken = { ...o, feedId: '-x', assetId: '-y', value: 'x', observedAt: 'yesterday', receivedAt: 'later' };
    const reason = checkFormat(broken, contextFor(o)).reason;
    expect(reason.split(';')).toHaveLength(3);
    expect(reason).toContain('(+2 more)');
  });

  it('rejects a non-finite value', () => {
    const o = weather();
    expect(checkFormat({ ...o, value: Number.POSITIVE_INFINITY }, contextFor(o)).score).toBe(0);
  });

  it('rejects a timestamp that is not an ISO date-time', () => {
    const o = weather();
    const result = checkFormat({ ...o, observedAt: '15/01/2025 13:45' }, contextFor(o));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('observedAt');
  });

  it('rejects a blank unit that the schema length rule would let through', () => {
    const o = weather({ unit: '  ' });
    const inspection = inspectFormat(o);
    expect(inspection.result).toMatchObject({ score: 0, reason: 'unit: must not be blank' });
    // Still readable: the other steps can judge it.
    expect(inspection.observation).not.toBeNull();
  });

  it('rejects an unknown category by listing the known ones', () => {
    const o = weather();
    const result = checkFormat({ ...o, category: 'lottery' }, contextFor(o));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('market, real_estate, carbon, iot, weather');
  });
});
