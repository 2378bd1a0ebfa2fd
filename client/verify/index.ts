/**
 * The dApp verifier: checks answers of the public API against a validator set the dApp pins,
 * without trusting the gateway or the node that answered. Depends on @noble/hashes and
 * @noble/post-quantum only (and on the schemas' types and Merkle rules, which use nothing else),
 * so it runs in a browser as it runs in Node.
 */
export { validatorSet, ValidatorSetError, VALIDATORS_MAX, type KnownValidator, type ValidatorSet } from './validators.ts';
export { verifyQuorum, type Quorum, type SignatureClaim } from './quorum.ts';
export {
  blockHash,
  transactionHash,
  verifyAttestation,
  verifyBlock,
  verifyInclusion,
  verifyTransactionReceipt,
  type AttestationClaim,
  type BlockClaim,
  type BlockVerification,
  type TransactionReceiptClaim,
  type Verification,
  type VerificationFailure,
  type VerificationFault,
} from './proofs.ts';
