export { applyTransaction } from './apply.ts';
export { stateRoot, stateEntryHash, compareCodePoints, EMPTY_STATE_ROOT } from './state-root.ts';
export { StateTree } from './state-tree.ts';
export { StateOverlay, type LedgerState, type StateView } from './state.ts';
export { eventKey, attestationKey, assetKey } from './keys.ts';
export { readEventRecord, readAttestationRecord, readAssetRecord } from './records.ts';
export type { EventRecord, AttestationRecord, AssetRecord, AssetFeedEntry } from './records.ts';
export { LEDGER_REJECTION_CODES, type ApplyContext, type ApplyResult, type LedgerRejectionCode } from './result.ts';
