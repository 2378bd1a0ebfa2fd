import type { Entry, Message } from '../raft/index.ts';
import { invariant } from '../invariant.ts';
import { PeerFrameError } from './errors.ts';
import type { PeerMessage } from './types.ts';
import { FrameHeaderWire, type EntriesWire, type PeerMessageWire } from './wire-schema.ts';

/**
 * One HTTP body between peers:
 *
 *   bytes 0..4   magic "PMF1" (peer message frame, version 1)
 *   bytes 4..8   header length in bytes, unsigned 32-bit big-endian
 *   header       UTF-8 JSON: the messages, each Entry.data / Snapshot.data replaced by its byte length
 *                (an append's entries as columns, see EntriesWire)
 *   blobs        those data bytes, concatenated in message order
 *
 * Entry data stays binary: base64 inside JSON would cost a third more bytes and a copy each way.
 * Decoding validates every header field with zod and hands out views into the body (no copies),
 * so the received entries keep the body's buffer alive as long as they live.
 */

const MAGIC = Uint8Array.of(0x50, 0x4d, 0x46, 0x31);
const PREFIX_BYTES = 8;
/** A header is JSON of small fields; anything near this means a broken sender. */
export const FRAME_HEADER_BYTES_MAX = 256 * 1024 * 1024;
/** Schema issues reported back to a sender: enough to find the bug, bounded. */
const ISSUES_REPORTED_MAX = 5;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export function encodeFrame(messages: readonly PeerMessage[]): Uint8Array {
  const blobs: Uint8Array[] = [];
  const wire = messages.map((m) => toWire(m, blobs));
  const header = JSON.stringify(wire);
  // Upper bound first (3 bytes per UTF-16 unit), exact length only when it could matter.
  const headerBytes = header.length * 3 <= FRAME_HEADER_BYTES_MAX ? Buffer.byteLength(header, 'utf8') : checkedHeaderBytes(header);
  let blobBytes = 0;
  for (const b of blobs) blobBytes += b.byteLength;

  // Not zero-filled (a measurable share of encoding a megabyte): every byte is written below, and checked.
  const frame = Buffer.allocUnsafeSlow(PREFIX_BYTES + headerBytes + blobBytes);
  frame.set(MAGIC, 0);
  new DataView(frame.buffer, frame.byteOffset, frame.byteLength).setUint32(4, headerBytes, false);
  const { written } = utf8.encodeInto(header, frame.subarray(PREFIX_BYTES, PREFIX_BYTES + headerBytes));
  let offset = PREFIX_BYTES + headerBytes;
  for (const b of blobs) {
    frame.set(b, offset);
    offset += b.byteLength;
  }
  invariant(written === headerBytes && offset === frame.byteLength, 'a peer frame was not filled exactly');
  return frame;
}

/** Throws PeerFrameError with a stable code for anything that is not a well-formed frame. */
export function decodeFrame(frame: Uint8Array): PeerMessage[] {
  if (frame.byteLength < PREFIX_BYTES) throw new PeerFrameError('PEER_FRAME_TRUNCATED', `frame of ${frame.byteLength} bytes, shorter than its prefix`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (frame[i] !== MAGIC[i]) throw new PeerFrameError('PEER_FRAME_VERSION', 'not a peer message frame of version 1');
  }
  const headerBytes = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(4, false);
  const blobsStart = PREFIX_BYTES + headerBytes;
  if (blobsStart > frame.byteLength) {
    throw new PeerFrameError('PEER_FRAME_TRUNCATED', `header of ${headerBytes} bytes announced, ${frame.byteLength - PREFIX_BYTES} present`);
  }

  let json: unknown;
  try {
    json = JSON.parse(utf8Strict.decode(frame.subarray(PREFIX_BYTES, blobsStart)));
  } catch (cause) {
    throw new PeerFrameError('PEER_FRAME_HEADER_INVALID', 'the frame header is not UTF-8 JSON', { cause });
  }
  const parsed = FrameHeaderWire.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues.slice(0, ISSUES_REPORTED_MAX).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw new PeerFrameError('PEER_FRAME_SCHEMA_INVALID', `invalid frame header: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, {
      details,
    });
  }

  const blobs = new BlobReader(frame, blobsStart);
  const messages = parsed.data.map((w) => fromWire(w, blobs));
  if (blobs.offset !== frame.byteLength) {
    throw new PeerFrameError('PEER_FRAME_TRAILING_BYTES', `${frame.byteLength - blobs.offset} bytes after the last blob`);
  }
  return messages;
}

function checkedHeaderBytes(header: string): number {
  const bytes = Buffer.byteLength(header, 'utf8');
  if (bytes > FRAME_HEADER_BYTES_MAX) throw new PeerFrameError('PEER_FRAME_TOO_LARGE', `frame header of ${bytes} bytes exceeds ${FRAME_HEADER_BYTES_MAX}`);
  return bytes;
}

/** Hands out consecutive views of the blob region; running past its end means the frame was cut. */
class BlobReader {
  offset: number;

  constructor(
    private readonly frame: Uint8Array,
    start: number,
  ) {
    this.offset = start;
  }

  take(byteLength: number): Uint8Array {
    if (byteLength > this.frame.byteLength - this.offset) {
      throw new PeerFrameError('PEER_FRAME_TRUNCATED', `blob of ${byteLength} bytes at ${this.offset} runs past the frame's ${this.frame.byteLength} bytes`);
    }
    // A plain Uint8Array view even when the frame is a Buffer, so receivers see one type.
    const view = new Uint8Array(this.frame.buffer, this.frame.byteOffset + this.offset, byteLength);
    this.offset += byteLength;
    return view;
  }
}

function toWire(m: PeerMessage, blobs: Uint8Array[]): PeerMessageWire {
  switch (m.type) {
    case 'append':
      return {
        from: m.from,
        to: m.to,
        term: m.term,
        type: m.type,
        prevIndex: m.prevIndex,
        prevTerm: m.prevTerm,
        entries: entriesToWire(m.entries, blobs),
        commit: m.commit,
      };
    case 'snapshot': {
      blobs.push(m.snapshot.data);
      const { meta } = m.snapshot;
      return {
        from: m.from,
        to: m.to,
        term: m.term,
        type: m.type,
        snapshot: {
          meta: { index: meta.index, term: meta.term, conf: { voters: [...meta.conf.voters], learners: [...meta.conf.learners] } },
          dataBytes: m.snapshot.data.byteLength,
        },
      };
    }
    default:
      // Every other message is plain JSON already; the compiler checks it matches its wire schema.
      return m;
  }
}

/** Throws PEER_FRAME_UNENCODABLE for entries that are not consecutive, which Raft never sends. */
function entriesToWire(entries: readonly Entry[], blobs: Uint8Array[]): EntriesWire {
  const firstIndex = entries[0]?.index ?? 0;
  const terms: [number, number][] = [];
  const confChanges: number[] = [];
  const dataBytes: number[] = new Array<number>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.index !== firstIndex + i) throw new PeerFrameError('PEER_FRAME_UNENCODABLE', `entry ${e.index} follows entry ${firstIndex + i - 1}`);
    const run = terms[terms.length - 1];
    if (run !== undefined && run[0] === e.term) run[1]++;
    else terms.push([e.term, 1]);
    if (e.type === 'conf_change') confChanges.push(i);
    dataBytes[i] = e.data.byteLength;
    blobs.push(e.data);
  }
  return { firstIndex, terms, confChanges, dataBytes };
}

function entriesFromWire(w: EntriesWire, blobs: BlobReader): Entry[] {
  const entries: Entry[] = new Array<Entry>(w.dataBytes.length);
  let i = 0;
  let nextConfChange = 0;
  for (const [term, count] of w.terms) {
    for (let k = 0; k < count; k++, i++) {
      const confChange = w.confChanges[nextConfChange] === i;
      if (confChange) nextConfChange++;
      entries[i] = { index: w.firstIndex + i, term, type: confChange ? 'conf_change' : 'normal', data: blobs.take(w.dataBytes[i]!) };
    }
  }
  return entries;
}

function fromWire(w: PeerMessageWire, blobs: BlobReader): PeerMessage {
  switch (w.type) {
    case 'append': {
      const append: Message = { ...w, entries: entriesFromWire(w.entries, blobs) };
      return append;
    }
    case 'snapshot': {
      const { meta, dataBytes } = w.snapshot;
      return { ...w, snapshot: { meta, data: blobs.take(dataBytes) } };
    }
    default:
      return w;
  }
}
