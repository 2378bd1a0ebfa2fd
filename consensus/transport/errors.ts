/** Stable codes for why a received frame of peer messages was refused; the route maps them to 400. */
export type PeerFrameErrorCode =
  /** Shorter than its own prefix, header or the data blobs its header announces. */
  | 'PEER_FRAME_TRUNCATED'
  /** Not a frame of this version: wrong magic bytes. */
  | 'PEER_FRAME_VERSION'
  /** The header is not UTF-8 JSON. */
  | 'PEER_FRAME_HEADER_INVALID'
  /** The header is JSON but some field is not what a peer message holds. */
  | 'PEER_FRAME_SCHEMA_INVALID'
  /** Bytes after the last blob the header accounts for. */
  | 'PEER_FRAME_TRAILING_BYTES'
  /** Encoding refused: a header over the frame's limit (a bug or an absurd batch on the sending side). */
  | 'PEER_FRAME_TOO_LARGE'
  /** Encoding refused: an append whose entries are not consecutive, which Raft never sends. */
  | 'PEER_FRAME_UNENCODABLE';

export class PeerFrameError extends Error {
  readonly code: PeerFrameErrorCode;
  /** For PEER_FRAME_SCHEMA_INVALID: the first issues, path and message. */
  readonly details: unknown;

  constructor(code: PeerFrameErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PeerFrameError';
    this.code = code;
    this.details = options.details;
  }
}

export const isPeerFrameError = (e: unknown): e is PeerFrameError => e instanceof PeerFrameError;
