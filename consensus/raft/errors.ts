/** Stable codes for what a caller of the Raft core can be refused; bugs are invariant violations instead. */
export type RaftErrorCode =
  | 'NOT_LEADER'
  | 'PROPOSAL_DROPPED'
  | 'CONF_CHANGE_PENDING'
  | 'CONF_CHANGE_INVALID'
  | 'READ_INDEX_DROPPED';

export class RaftError extends Error {
  readonly code: RaftErrorCode;
  /** The leader this node knows of, so a caller can redirect; null when unknown. */
  readonly leaderId: string | null;

  constructor(code: RaftErrorCode, message: string, leaderId: string | null = null) {
    super(message);
    this.name = 'RaftError';
    this.code = code;
    this.leaderId = leaderId;
  }
}
