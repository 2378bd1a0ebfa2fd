/** Stable codes for what a durable Raft storage can fail with; misuse by the caller is an invariant violation instead. */
export type RaftStorageErrorCode =
  /** More writes waiting than the queue allows: the driving loop is not awaiting persist(). */
  | 'RAFT_STORAGE_BUSY'
  | 'RAFT_STORAGE_CLOSED'
  /** A row read back does not have the shape this code wrote. */
  | 'RAFT_STORAGE_CORRUPT'
  /** The database refused or lost the write; nothing of it is visible. */
  | 'RAFT_STORAGE_WRITE_FAILED';

export class RaftStorageError extends Error {
  readonly code: RaftStorageErrorCode;

  constructor(code: RaftStorageErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RaftStorageError';
    this.code = code;
  }
}
