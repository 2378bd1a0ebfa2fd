/**
 * How a user transaction is signed, shared by the ledger (verification) and by
 * clients (signing): the bytes, the account algorithm and the account id.
 * Libraries and schemas/ only, so a dApp or the CLI can use it without the server.
 *
 * Accounts are ML-DSA public keys; the key's length says which parameter set.
 * An account's id is the hex SHA-256 of its public key (as for validator node ids),
 * so balances, `to` and `GET /state/accounts/:id` use 64 hex characters, not kilobytes.
 */
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { SignatureAlgorithm } from './block.ts';
import type { UnsignedUserTransaction, UserTransaction } from './transaction.ts';
import { canonicalJson } from './canonical-json.ts';

/** Deterministic JSON (keys sorted, no whitespace, undefined dropped): the node hashes with the same rule. */
export { canonicalJson };

/** Prefixed to every signed payload so a transaction signature can never be replayed as another kind of message. */
export const TX_SIGNING_DOMAIN = 'aurigraph/user-transaction/v1\n';

export const ACCOUNT_PUBLIC_KEY_BYTES: Readonly<Record<SignatureAlgorithm, number>> = { ml_dsa44: 1312, ml_dsa65: 1952, ml_dsa87: 2592 };
export const ACCOUNT_SIGNATURE_BYTES: Readonly<Record<SignatureAlgorithm, number>> = { ml_dsa44: 2420, ml_dsa65: 3309, ml_dsa87: 4627 };

const DSA = { ml_dsa44, ml_dsa65, ml_dsa87 } as const;
const HEX = /^(?:[0-9a-f]{2})*$/;

/** The parameter set of a hex public key, from its length; undefined when it is no ML-DSA key. */
export function accountAlgorithm(publicKeyHex: string): SignatureAlgorithm | undefined {
  const bytes = publicKeyHex.length / 2;
  for (const algorithm of Object.keys(ACCOUNT_PUBLIC_KEY_BYTES) as SignatureAlgorithm[]) {
    if (ACCOUNT_PUBLIC_KEY_BYTES[algorithm] === bytes) return HEX.test(publicKeyHex) ? algorithm : undefined;
  }
  return undefined;
}

/** The account id of a hex public key: hex SHA-256 of the key's bytes. */
export function accountIdOf(publicKeyHex: string): string {
  return bytesToHex(sha256(hexToBytes(publicKeyHex)));
}

/** The signed bytes: the domain tag, then the canonical JSON of the transaction without `signature`. */
export function signingBytes(tx: UnsignedUserTransaction | UserTransaction): Uint8Array {
  const { signature: _signature, ...unsigned } = tx as UserTransaction;
  return new TextEncoder().encode(TX_SIGNING_DOMAIN + canonicalJson(unsigned));
}

/** Signs with the secret key of the `from` account (the algorithm is taken from `from`'s length). */
export function signTransaction<T extends UnsignedUserTransaction>(tx: T, secretKey: Uint8Array): T & { signature: string } {
  const algorithm = accountAlgorithm(tx.from);
  if (algorithm === undefined) throw new RangeError(`'from' is not an ML-DSA-44/65/87 public key (${tx.from.length / 2} bytes)`);
  const signature = bytesToHex(DSA[algorithm].sign(signingBytes(tx), secretKey));
  return { ...tx, signature };
}

/** True only for a well-formed signature by `from` over `signingBytes(tx)`; never throws. */
export function verifyTransactionSignature(tx: UserTransaction): boolean {
  const algorithm = accountAlgorithm(tx.from);
  if (algorithm === undefined || !HEX.test(tx.signature) || tx.signature.length !== ACCOUNT_SIGNATURE_BYTES[algorithm] * 2) return false;
  try {
    return DSA[algorithm].verify(hexToBytes(tx.signature), signingBytes(tx), hexToBytes(tx.from));
  } catch {
    return false;
  }
}
