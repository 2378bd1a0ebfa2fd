import type { Logger } from '../../runtime/logger.ts';
import type { LifecyclePhase } from '../../schemas/index.ts';
import type { Consensus } from '../node/consensus.ts';
import type { UserSubmissions } from '../node/user-submissions.ts';
import type { ReplicatedConsensus } from '../replicated/replicated-consensus.ts';
import type { ConsensusRepository } from '../storage/repository.ts';
import type { PeerRouteDeps } from './routes/peer.ts';

/** What the validator's HTTP layer talks to: the consensus seam for writes and status, storage for reads. */
export interface ValidatorHttpDeps {
  consensus: Consensus;
  /** Signed user transactions: checked and verified here, then submitted to consensus. */
  submissions: UserSubmissions;
  repository: ConsensusRepository;
  clusterSecret: string;
  bodyLimitBytes: number;
  logger: Logger;
  /** Concurrent event streams served; past it a subscriber gets 503 with Retry-After. */
  streamsMax: number;
  /** Events one event stream may have queued; past it the stream is closed and the client resumes (default 512). */
  streamBufferEvents?: number;
  /** A comment on an idle event stream this often (default 15 s). */
  streamHeartbeatMs?: number;
  /** Aborted on shutdown: ends open event streams. */
  shutdown: AbortSignal;
  /** Milliseconds clock, for uptime. */
  nowMs: () => number;
  startedAtMs: number;
  /** Where the process is in its life (`stopping` once it shuts down); default: running. */
  phase?: () => LifecyclePhase;
  /** Node ids (signer ids) of the voters, whose signatures make a block final; default: this node alone. */
  voters?: () => readonly string[];
  /** What this node reports itself as; default validator. */
  role?: 'validator' | 'business';
  /** A member of a Raft group: peer messages in, forwarded submissions, membership changes. */
  cluster?: ReplicatedConsensus;
  peer?: PeerRouteDeps;
}
