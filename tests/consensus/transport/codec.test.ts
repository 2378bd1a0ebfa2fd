import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, isPeerFrameError, type PeerFrameErrorCode } from '../../../consensus/transport/index.ts';
import { appendMessage, peerMessages } from './arbitraries.ts';

/** A frame with a hand-written header, for what an honest encoder never produces. */
function frameOf(header: string | Uint8Array, blobs: Uint8Array = new Uint8Array(0), magic = 'PMF1'): Uint8Array {
  const headerBytes = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const frame = new Uint8Array(8 + headerBytes.byteLength + blobs.byteLength);
  frame.set(new TextEncoder().encode(magic), 0);
  new DataView(frame.buffer).setUint32(4, headerBytes.byteLength, false);
  frame.set(headerBytes, 8);
  frame.set(blobs, 8 + headerBytes.byteLength);
  return frame;
}

function refusalCode(frame: Uint8Array): PeerFrameErrorCode | 'accepted' {
  try {
    decodeFrame(frame);
    return 'accepted';
  } catch (e) {
    if (isPeerFrameError(e)) return e.code;
    throw e;
  }
}

const heartbeat = { type: 'heartbeat', from: 'v1', to: 'v2', term: 1, commit: 0, ctx: null };
const appendHeader = { type: 'append', from: 'v1', to: 'v2', term: 1, prevIndex: 0, prevTerm: 0, commit: 0 };

describe('peer frame codec', () => {
  it('decoding an encoded batch gives back the same messages, entry and snapshot bytes included', () => {
    fc.assert(
      fc.property(peerMessages, (messages) => {
        expect(decodeFrame(encodeFrame(messages))).toEqual(messages);
      }),
      { numRuns: 300 },
    );
  });

  it('entry data comes out as views into the received frame, not copies', () => {
    const frame = encodeFrame([appendMessage('v1', 'v2', 10, 3, 200)]);
    const [append] = decodeFrame(frame);
    expect(append?.type).toBe('append');
    if (append?.type !== 'append') return;
    for (const e of append.entries) expect(e.data.buffer).toBe(frame.buffer);
    expect(append.entries[2]?.data).toEqual(new Uint8Array(200).fill(12));
  });

  it('a frame decodes the same from a Buffer at an offset inside a larger allocation', () => {
    const messages = [appendMessage('v1', 'v2', 5, 2, 16)];
    const frame = encodeFrame(messages);
    const pooled = Buffer.alloc(frame.byteLength + 100);
    pooled.set(frame, 37);
    expect(decodeFrame(pooled.subarray(37, 37 + frame.byteLength))).toEqual(messages);
  });

  it('every truncation of a valid frame is refused as truncated', () => {
    fc.assert(
      fc.property(peerMessages, fc.nat(), (messages, cutSeed) => {
        const frame = encodeFrame(messages);
        const cut = cutSeed % frame.byteLength;
        expect(refusalCode(frame.subarray(0, cut))).toBe('PEER_FRAME_TRUNCATED');
      }),
      { numRuns: 300 },
    );
  });

  it('a corrupted frame is either decoded or refused with a code, never a crash', () => {
    fc.assert(
      fc.property(peerMessages, fc.nat(), fc.integer({ min: 1, max: 255 }), (messages, at, xor) => {
        const frame = encodeFrame(messages).slice();
        frame[at % frame.byteLength]! ^= xor;
        refusalCode(frame);
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes are refused with a code, never a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(refusalCode(bytes)).not.toBe('accepted');
      }),
    );
  });

  it('bytes after the last blob are refused', () => {
    const frame = encodeFrame([appendMessage('v1', 'v2', 1, 2, 10)]);
    const longer = new Uint8Array(frame.byteLength + 1);
    longer.set(frame);
    expect(refusalCode(longer)).toBe('PEER_FRAME_TRAILING_BYTES');
  });

  it('a frame of another version is refused', () => {
    expect(refusalCode(frameOf(JSON.stringify([heartbeat]), undefined, 'PMF2'))).toBe('PEER_FRAME_VERSION');
  });

  it('a header that is not JSON, or not UTF-8, is refused', () => {
    expect(refusalCode(frameOf('[{"type":'))).toBe('PEER_FRAME_HEADER_INVALID');
    expect(refusalCode(frameOf(Uint8Array.of(0x5b, 0xff, 0xfe, 0x5d)))).toBe('PEER_FRAME_HEADER_INVALID');
  });

  it('a header announcing more blob bytes than the frame holds is refused as truncated', () => {
    const append = { ...appendHeader, entries: { firstIndex: 1, terms: [[1, 1]], confChanges: [], dataBytes: [11] } };
    expect(refusalCode(frameOf(JSON.stringify([append]), new Uint8Array(10)))).toBe('PEER_FRAME_TRUNCATED');
  });

  it('entries that are not consecutive are refused when encoding', () => {
    const append = appendMessage('v1', 'v2', 1, 3, 4);
    if (append.type !== 'append') return;
    const gap = { ...append, entries: [append.entries[0]!, append.entries[2]!] };
    expect(() => encodeFrame([gap])).toThrow(expect.objectContaining({ code: 'PEER_FRAME_UNENCODABLE' }));
  });

  it.each([
    ['a negative term', { ...heartbeat, term: -1 }],
    ['a fractional commit', { ...heartbeat, commit: 1.5 }],
    ['a term beyond safe integers', { ...heartbeat, term: 2 ** 60 }],
    ['an unknown message type', { ...heartbeat, type: 'install_everything' }],
    ['an unknown field', { ...heartbeat, admin: true }],
    ['a missing field', { type: 'heartbeat', from: 'v1', to: 'v2', term: 1, ctx: null }],
    ['an empty sender id', { ...heartbeat, from: '' }],
    ['a string where a number belongs', { ...heartbeat, term: '1' }],
    ['term runs covering fewer entries than listed', { ...appendHeader, entries: { firstIndex: 1, terms: [[1, 1]], confChanges: [], dataBytes: [0, 0] } }],
    ['a term run of no entries', { ...appendHeader, entries: { firstIndex: 1, terms: [[1, 0]], confChanges: [], dataBytes: [] } }],
    ['conf-change positions out of order', { ...appendHeader, entries: { firstIndex: 1, terms: [[1, 3]], confChanges: [2, 1], dataBytes: [0, 0, 0] } }],
    ['a conf-change position past the entries', { ...appendHeader, entries: { firstIndex: 1, terms: [[1, 1]], confChanges: [1], dataBytes: [0] } }],
    ['entry indexes past safe integers', { ...appendHeader, entries: { firstIndex: Number.MAX_SAFE_INTEGER, terms: [[1, 2]], confChanges: [], dataBytes: [0, 0] } }],
    ['a co-signature with a non-hex signature', { type: 'cosign', from: 'v1', to: 'v2', height: 1, hash: 'ab', algorithm: 'ml-dsa-87', publicKey: 'ab', signature: 'zz' }],
  ])('a header with %s is refused as invalid', (_, message) => {
    expect(refusalCode(frameOf(JSON.stringify([message])))).toBe('PEER_FRAME_SCHEMA_INVALID');
  });

  it('a header that is not a list of messages is refused as invalid', () => {
    expect(refusalCode(frameOf(JSON.stringify(heartbeat)))).toBe('PEER_FRAME_SCHEMA_INVALID');
  });

  it('a schema refusal names the offending field', () => {
    try {
      decodeFrame(frameOf(JSON.stringify([{ ...heartbeat, term: -1 }])));
      expect.unreachable();
    } catch (e) {
      expect(isPeerFrameError(e) && e.details).toEqual([expect.objectContaining({ path: '0.term' })]);
    }
  });
});
