import type { Category, ReserveMintPolicy } from '../../schemas/index.ts';
import { invariant } from '../invariant.ts';

/** Where a record was written: the transaction and its block height. */
export interface TxPlace {
  txHash: string;
  height: number;
}

/**
 * A registered asset. Unit counters are decimal strings; outstanding supply is
 * issued − burned − retired, and equals the sum of all balances (the ledger's invariant).
 */
export interface TokenRecord {
  assetId: string;
  category: Category;
  /** Account id of the issuer: the only account that may mint. */
  issuer: string;
  /** The most units that may ever be issued. */
  totalUnits: string;
  feeds: string[];
  metadata: Record<string, string>;
  mintPolicy: ReserveMintPolicy | null;
  issued: string;
  burned: string;
  retired: string;
  registered: TxPlace;
}

/** An account: the next nonce it must sign with, its balances, and what it retired (both by asset id; no zero entries). */
export interface AccountRecord {
  nonce: number;
  balances: Record<string, string>;
  retired: Record<string, string>;
}

export interface RetirementRecord {
  account: string;
  assetId: string;
  units: string;
  beneficiary: string | null;
  height: number;
}

export const emptyAccount = (): AccountRecord => ({ nonce: 0, balances: {}, retired: {} });

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

// The ledger wrote these values itself: a wrong shape is corruption, so the readers assert.

export function readTokenRecord(value: unknown): TokenRecord | undefined {
  if (value === undefined) return undefined;
  invariant(
    isObject(value) && typeof value.issuer === 'string' && typeof value.issued === 'string' && typeof value.totalUnits === 'string',
    'malformed token record',
    value,
  );
  return value as unknown as TokenRecord;
}

export function readAccountRecord(value: unknown): AccountRecord | undefined {
  if (value === undefined) return undefined;
  invariant(isObject(value) && typeof value.nonce === 'number' && isObject(value.balances) && isObject(value.retired), 'malformed account record', value);
  return value as unknown as AccountRecord;
}

export function readRetirementRecord(value: unknown): RetirementRecord | undefined {
  if (value === undefined) return undefined;
  invariant(isObject(value) && typeof value.account === 'string' && typeof value.units === 'string', 'malformed retirement record', value);
  return value as unknown as RetirementRecord;
}
