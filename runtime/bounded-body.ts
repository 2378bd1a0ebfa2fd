/**
 * Reads a body as UTF-8 text of at most `maxBytes`: the one reader for every body a node consumes
 * itself (source answers, health probes, error answers of other nodes). Past the limit it stops
 * and answers null; leaving the loop early cancels a web stream and destroys a Node stream, which
 * releases the connection, so a peer that sends far more than asked for costs at most `maxBytes`.
 */
export async function readTextBounded(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string | null> {
  const bytes = await readBytesBounded(body, maxBytes);
  // Decoded once at the end: a multi-byte character split across chunks stays whole.
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

/** The bytes of a body of at most `maxBytes`, in one array; null past the limit (see readTextBounded). */
export async function readBytesBounded(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let totalBytes = 0;
  for await (const chunk of body) {
    totalBytes += chunk.byteLength;
    if (totalBytes > maxBytes) return null;
    chunks.push(chunk);
  }
  const all = new Uint8Array(totalBytes);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return all;
}
