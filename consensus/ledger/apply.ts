import type { Transaction } from '../../schemas/index.ts';
import { applyAttest } from './attest.ts';
import { applyMint } from './mint.ts';
import { applyBurn, applyRetire, applyTransfer } from './move-units.ts';
import { applyRegisterAsset } from './register-asset.ts';
import type { ApplyContext, ApplyResult } from './result.ts';
import type { StateView } from './state.ts';

/**
 * The ledger state machine: one transaction against a state view, out come the writes
 * or a typed rejection. Pure: no clock, no I/O; the same state and transaction give the same result on every node.
 * User transactions are not verified here: their signatures were checked at admission, and Raft
 * members trust each other's log (crash faults, not Byzantine ones). The chain id is checked per batch (chain/execute.ts).
 */
export function applyTransaction(state: StateView, tx: Transaction, ctx: ApplyContext): ApplyResult {
  switch (tx.type) {
    case 'attest':
      return applyAttest(state, tx, ctx);
    case 'register_asset':
      return applyRegisterAsset(state, tx, ctx);
    case 'mint':
      return applyMint(state, tx);
    case 'transfer':
      return applyTransfer(state, tx);
    case 'burn':
      return applyBurn(state, tx);
    case 'retire':
      return applyRetire(state, tx, ctx);
  }
}
