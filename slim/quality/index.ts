/** The quality chain's face: nine pure steps, the chain that runs them, and settings resolution. */
export type { PeerValue, PushContext, QualityContext, QualityRange, QualitySettings, QualityStep } from './context.ts';
export { runQualityChain } from './chain.ts';
export { resolveQualitySettings } from './settings.ts';
export { DEFAULT_THRESHOLDS, DEFAULT_WEAKEST_CHECK_MARGIN, DEFAULT_WEIGHTS, WEATHER_METRIC_RANGES, defaultRange } from './defaults.ts';
export { checkCompleteness } from './completeness.ts';
export { checkFormat, inspectFormat } from './format.ts';
export { checkRange } from './range.ts';
export { AGREEMENT_BY_CATEGORY, AGREEMENT_PEERS_MIN, agreementPart, checkConsistency, sortedFinite, spikePart, spikePartOfSorted } from './consistency.ts';
export { checkSourceVerification, pushSignatureValid, signPushPayload, withinReplayWindow } from './source-verification.ts';
export { checkFreshness } from './freshness.ts';
export { checkUniqueness, contentHashOf } from './uniqueness.ts';
export { checkReferentialIntegrity } from './referential-integrity.ts';
export { decide, roundScore, scoreChecks, type QualityScore } from './score.ts';
