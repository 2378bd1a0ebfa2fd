import { CHECK_NAMES, type Decision, type IotObservation, type QualityReport } from '../../../../schemas/index.ts';

/** A complete nine-check report with the given outcome, for storage tests that must choose the decision. */
export function reportOf(decision: Decision, score: number, at = new Date()): QualityReport {
  return {
    category: 'iot',
    checks: [
      ...CHECK_NAMES.map((check) => ({ check, score, reason: `fixture ${check}` })),
      { check: 'quality_score' as const, score, reason: 'fixture score' },
    ],
    score,
    decision,
    weights: Object.fromEntries(CHECK_NAMES.map((n) => [n, 1])) as QualityReport['weights'],
    thresholds: { accept: 0.8, review: 0.6 },
    evaluatedAt: at.toISOString(),
  };
}

export function iotObservation(feedId: string, value: number, observedAt: Date): IotObservation {
  return {
    category: 'iot',
    feedId,
    assetId: 'container-7',
    observedAt: observedAt.toISOString(),
    receivedAt: observedAt.toISOString(),
    value,
    unit: '°C',
    source: { adapter: 'push', deviceId: 'reefer-7', authentication: 'signed' },
    data: { deviceId: 'reefer-7', metric: 'temperature', reading: value },
  };
}
