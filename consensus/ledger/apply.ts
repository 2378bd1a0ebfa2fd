import type { Transaction } from '../../schemas/index.ts';
import { applyAttest } from './attest.ts';
import type { ApplyContext, ApplyResult } from './result.ts';
import type { StateView } from './state.ts';

/**
 * The ledger state machine: one transaction against a state view, out come the writes
 * or a typed rejection. Pure: no clock, no I/O; the same state and transaction give the same result on every node.
 */
export function applyTransaction(state: StateView, tx: Transaction, ctx: ApplyContext): ApplyResult {
  switch (tx.type) {
    case 'attest':
      return applyAttest(state, tx, ctx);
    case 'register_asset':
    case 'mint':
    case 'transfer':
    case 'burn':
    case 'retire':
      // Asset and account transactions come with a later issue (signatures, nonces, balances).
      return { kind: 'rejected', code: 'TX_TYPE_NOT_ENABLED', message: `transaction type '${tx.type}' is not enabled on this ledger yet` };
  }
}
