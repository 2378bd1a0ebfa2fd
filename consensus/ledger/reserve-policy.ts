import type { ReserveMintPolicy } from '../../schemas/index.ts';
import { attestationKey } from './keys.ts';
import { readAttestationRecord } from './records.ts';
import { reject, type Rejection } from './result.ts';
import type { StateView } from './state.ts';
import { floorTimes } from './units.ts';

/**
 * Proof of reserve: after the mint, outstanding supply must not exceed floor(latest attested
 * value of the policy's feed × unitsPerValue). Reads the ledger's own latest attestation, so every node decides alike.
 */
export function checkReserve(state: StateView, policy: ReserveMintPolicy, outstandingAfter: bigint): Rejection | null {
  const latest = readAttestationRecord(state.get(attestationKey(policy.feedId)));
  if (latest === undefined) return reject('RESERVE_UNATTESTED', `feed ${policy.feedId} has no attested value yet: nothing backs a mint`);
  const cap = floorTimes(latest.value, BigInt(policy.unitsPerValue));
  if (outstandingAfter > cap) {
    return reject(
      'RESERVE_EXCEEDED',
      `outstanding supply would be ${outstandingAfter} units, above the reserve cap of ${cap} (feed ${policy.feedId} attested ${latest.value} ${latest.unit} × ${policy.unitsPerValue})`,
    );
  }
  return null;
}
