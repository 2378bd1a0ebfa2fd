import { describe, expect, it } from 'vitest';
import { checkReferentialIntegrity } from '../../../slim/quality/index.ts';
import { contextFor, feedFor, iot, weather } from './support.ts';

describe('referential integrity', () => {
  it('accepts an observation of its active feed', () => {
    const o = weather();
    expect(checkReferentialIntegrity(o, contextFor(o)).score).toBe(1);
  });

  it('rejects an observation of an unknown feed', () => {
    const o = weather();
    expect(checkReferentialIntegrity(o, contextFor(o, { feed: null }))).toMatchObject({ score: 0, reason: 'unknown feed' });
  });

  it('rejects an observation of a paused feed', () => {
    const o = weather();
    const result = checkReferentialIntegrity(o, contextFor(o, { feed: { ...feedFor(o), status: 'paused' } }));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('paused');
  });

  it('rejects an observation naming another asset than its feed', () => {
    const o = weather({ assetId: 'paris-weather' });
    const ctx = contextFor(o, { feed: { ...feedFor(o), assetId: 'berlin-weather' } });
    expect(checkReferentialIntegrity(o, ctx).reason).toContain('paris-weather');
  });

  it('rejects an observation of another category than its feed', () => {
    const o = weather();
    const ctx = contextFor(o, { feed: { ...feedFor(o), category: 'carbon' } });
    expect(checkReferentialIntegrity(o, ctx).score).toBe(0);
  });

  it('rejects an iot reading from a device other than the registered one', () => {
    const o = iot({}, { deviceId: 'sensor-99' });
    const result = checkReferentialIntegrity(o, contextFor(o));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('sensor-99');
  });
});
