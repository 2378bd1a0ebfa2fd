import { LRUCache } from 'lru-cache';
import { AppError } from '../../runtime/errors.ts';
import type { TransactionSubmission, TxRejection, UserTransaction } from '../../schemas/index.ts';
import { ACCOUNT_SIGNATURE_BYTES, signingBytes } from '../../schemas/transaction-signing.ts';
import { txHashOf } from '../chain/index.ts';
import type { KeyCacheStats, VerifyItem, VerifyPool } from '../crypto/verify-pool.ts';
import { algorithmOfKey } from '../ledger/account-key.ts';
import type { Consensus } from './consensus.ts';
import { waitAtMost } from './commit-wait.ts';

export interface UserSubmissionsOptions {
  consensus: Consensus;
  pool: VerifyPool;
  chainId: string;
  /** How long a submission waits for its block; past it the answer is `pending` (the transaction may still commit). */
  commitWaitMs: number;
  /** Refused transactions remembered for GET /transaction/:hash. */
  rejectionsRemembered?: number;
}

/** Per transaction: where it stands, or the typed error refusing it. */
export type SubmissionResult = TransactionSubmission | AppError;

const REJECTIONS_REMEMBERED_DEFAULT = 1_024;

/**
 * The node that receives a user transaction checks what needs no state (key, signature length,
 * chain id), verifies the signature on the verify threads, and only then submits it to consensus,
 * which forwards it to the leader for admission against the ledger. In a crash-fault-tolerant
 * Raft group the log is authenticated between members, so nothing after this point verifies again.
 */
export class UserSubmissions {
  private readonly rejections: LRUCache<string, { tx: UserTransaction; rejection: TxRejection }>;

  constructor(private readonly options: UserSubmissionsOptions) {
    this.rejections = new LRUCache({ max: options.rejectionsRemembered ?? REJECTIONS_REMEMBERED_DEFAULT });
  }

  /** The same submissions over another view of consensus (e.g. one that times each commit for metrics). */
  over(consensus: Consensus): UserSubmissions {
    return new UserSubmissions({ ...this.options, consensus });
  }

  /** The verify threads' prepared-key cache: how often a sender's key was ready. */
  keyCacheStats(): KeyCacheStats {
    return this.options.pool.keyCacheStats();
  }

  /** One result per transaction, in order. Throws (retryable 503) only when consensus or verification is unavailable. */
  async submit(txs: readonly UserTransaction[]): Promise<SubmissionResult[]> {
    const hashes = txs.map(txHashOf);
    const results: (SubmissionResult | undefined)[] = txs.map((tx) => this.precheck(tx) ?? undefined);
    const toVerify = txs.map((tx, i) => ({ tx, i })).filter(({ i }) => results[i] === undefined);
    const valid = await this.options.pool.verify(toVerify.map(({ tx }) => verifyItem(tx)));
    toVerify.forEach(({ i }, k) => {
      if (!valid[k]) results[i] = new AppError('SIGNATURE_INVALID', "the signature is not the 'from' key's over this transaction's signing bytes");
    });

    const admitted = txs.map((tx, i) => ({ tx, i })).filter(({ i }) => results[i] === undefined);
    if (admitted.length > 0) {
      const outcomes = await waitAtMost(this.options.consensus.submit(admitted.map(({ tx }) => tx)), this.options.commitWaitMs);
      admitted.forEach(({ tx, i }, k) => {
        const outcome = outcomes?.[k];
        const hash = hashes[i]!;
        if (outcome === undefined) results[i] = { hash, status: 'pending', height: null, index: null };
        else if (outcome.kind === 'committed') results[i] = { hash, status: 'committed', height: outcome.height, index: outcome.index };
        else if (outcome.kind === 'duplicate') results[i] = { hash, status: 'committed', height: outcome.height, index: null };
        else {
          this.rejections.set(hash, { tx, rejection: { code: outcome.code, message: outcome.message } });
          // Too many pending for one account clears as its transactions commit: worth a retry soon.
          results[i] = new AppError(outcome.code, outcome.message, outcome.code === 'ACCOUNT_PENDING_LIMIT' ? { retryAfterS: 1 } : {});
        }
      });
    }
    return results.map((r) => r!);
  }

  /** A transaction this node refused recently, with why. */
  rejected(hash: string): { tx: UserTransaction; rejection: TxRejection } | undefined {
    return this.rejections.get(hash);
  }

  /** What needs neither state nor a signature check, cheapest first; null when it passes. */
  private precheck(tx: UserTransaction): AppError | null {
    const algorithm = algorithmOfKey(tx.from);
    if (algorithm === undefined) {
      return new AppError('ACCOUNT_KEY_INVALID', `'from' must be an ML-DSA-44, -65 or -87 public key (1312, 1952 or 2592 bytes), got ${tx.from.length / 2} bytes`);
    }
    if (tx.signature.length !== ACCOUNT_SIGNATURE_BYTES[algorithm] * 2) {
      return new AppError('SIGNATURE_INVALID', `an ${algorithm} signature is ${ACCOUNT_SIGNATURE_BYTES[algorithm]} bytes, got ${tx.signature.length / 2}`);
    }
    if (tx.chainId !== this.options.chainId) {
      return new AppError('CHAIN_ID_MISMATCH', `the transaction is signed for chain '${tx.chainId}', this chain is '${this.options.chainId}'`);
    }
    return null;
  }
}

function verifyItem(tx: UserTransaction): VerifyItem {
  return { algorithm: algorithmOfKey(tx.from)!, publicKey: bytesOfHex(tx.from), message: signingBytes(tx), signature: bytesOfHex(tx.signature) };
}

/** Node's native hex decoding (several times faster than a JavaScript loop), copied out of Buffer's shared pool so a message to a thread carries only these bytes. */
const bytesOfHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
