/**
 * The gateway's one reader of upstream bodies it consumes itself (the proxy streams the rest
 * through unread): UTF-8 text of at most `maxBytes`. Past the limit, reading stops, the body is
 * cancelled (which releases its connection) and the answer is null, so a node that sends far more
 * than asked for costs at most `maxBytes` of memory.
 */
export async function readTextBounded(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<string | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let totalBytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    totalBytes += value.byteLength;
    if (totalBytes > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(totalBytes);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  // Decoded once at the end: a multi-byte character split across chunks stays whole.
  return new TextDecoder().decode(all);
}
