import { z } from 'zod';

/**
 * The simulated application: each client's highest applied request number, deduplicated
 * (a retried request applies once), plus a running digest of everything applied in order, so
 * two replicas that applied different histories disagree on the digest.
 */
const Command = z.object({ client: z.string(), seq: z.number().int().positive() });
export type Command = z.infer<typeof Command>;

const SnapshotState = z.object({ seqs: z.record(z.string(), z.number()), digest: z.number() });

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeCommand = (c: Command): Uint8Array => encoder.encode(JSON.stringify(c));
export const decodeCommand = (data: Uint8Array): Command => Command.parse(JSON.parse(decoder.decode(data)));

/** FNV-1a step over a string: cheap and deterministic, enough to tell histories apart. */
export function mixDigest(digest: number, text: string): number {
  let h = digest >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export class CounterMachine {
  seqs = new Map<string, number>();
  digest = 0x811c9dc5;

  /** Applies one committed entry; empty data is a leader's no-op. */
  apply(index: number, data: Uint8Array): void {
    if (data.byteLength > 0) {
      const c = decodeCommand(data);
      if (c.seq > (this.seqs.get(c.client) ?? 0)) this.seqs.set(c.client, c.seq);
    }
    this.digest = mixDigest(this.digest, `${index}:${decoder.decode(data)}`);
  }

  /** Membership entries change no client state but do belong to the applied history. */
  applyOther(index: number, kind: string): void {
    this.digest = mixDigest(this.digest, `${index}:${kind}`);
  }

  encode(): Uint8Array {
    return encoder.encode(JSON.stringify({ seqs: Object.fromEntries(this.seqs), digest: this.digest }));
  }

  static decode(data: Uint8Array): CounterMachine {
    const m = new CounterMachine();
    if (data.byteLength === 0) return m;
    const s = SnapshotState.parse(JSON.parse(decoder.decode(data)));
    m.seqs = new Map(Object.entries(s.seqs));
    m.digest = s.digest;
    return m;
  }
}
