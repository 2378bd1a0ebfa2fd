import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, type ProposedBatch } from '../../../consensus/replicated/batch-codec.ts';
import { attest, weatherEvent } from '../fixtures.ts';

const batch: ProposedBatch = {
  proposalId: 'validator-1:abcd:1',
  proposer: 'a'.repeat(64),
  timestamp: '2026-01-01T12:00:00.000Z',
  txs: [attest(weatherEvent({ id: 'codec-1' }))],
};

describe('the log entry of a transaction batch', () => {
  it('decodes to the batch it was encoded from', () => {
    expect(decodeBatch(encodeBatch(batch))).toEqual({ ok: true, batch });
  });

  it('is refused when it is not UTF-8 JSON', () => {
    expect(decodeBatch(new Uint8Array([0xff, 0xfe, 0x00]))).toMatchObject({ ok: false, reason: 'entry is not UTF-8 JSON' });
  });

  it('is refused with the offending field named when a transaction is malformed', () => {
    const bad = new TextEncoder().encode(JSON.stringify({ ...batch, txs: [{ type: 'attest' }] }));
    const result = decodeBatch(bad);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('txs.0');
  });

  it('is refused without a proposer node id', () => {
    const bad = new TextEncoder().encode(JSON.stringify({ ...batch, proposer: 'leader' }));
    expect(decodeBatch(bad)).toMatchObject({ ok: false });
  });
});
