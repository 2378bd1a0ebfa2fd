import type { CheckResult, Observation } from '../../schemas/index.ts';
import type { QualityContext } from './context.ts';
import { checkResult, fmt } from './result.ts';

/**
 * Step 3: `value` lies within the plausible bounds (the feed's override, else the category or
 * metric default). Binary on purpose: a temperature of 80 °C is not "a bit wrong". Cross-field
 * sanity (bid ≤ ask, humidity ≤ 100 % in `data`) belongs to consistency.
 */
export function checkRange(observation: Observation, ctx: QualityContext): CheckResult {
  const range = ctx.settings.range;
  if (range === null) return checkResult('range', 1, 'no bounds configured');
  const { value, unit } = observation;
  const belowMin = range.minExclusive ? value <= range.min : value < range.min;
  if (belowMin) {
    const bound = range.minExclusive ? `must exceed ${fmt(range.min)}` : `below minimum ${fmt(range.min)}`;
    return checkResult('range', 0, `value ${fmt(value)} ${unit} ${bound}`);
  }
  if (value > range.max) return checkResult('range', 0, `value ${fmt(value)} ${unit} above maximum ${fmt(range.max)}`);
  return checkResult('range', 1, `value ${fmt(value)} ${unit} within ${describeRange(range)}`);
}

/** The last range described, remembered: a feed's range is fixed, and its readings come in runs. */
let lastMin = Number.NaN;
let lastMax = Number.NaN;
let lastMinExclusive: boolean | undefined;
let lastDescription = '';

function describeRange(range: { min: number; max: number; minExclusive?: boolean }): string {
  if (range.min !== lastMin || range.max !== lastMax || range.minExclusive !== lastMinExclusive) {
    lastDescription = rangeText(range);
    lastMin = range.min;
    lastMax = range.max;
    lastMinExclusive = range.minExclusive;
  }
  return lastDescription;
}

function rangeText(range: { min: number; max: number; minExclusive?: boolean }): string {
  const low = range.minExclusive ? `(${fmt(range.min)}` : `[${fmt(range.min)}`;
  const high = range.max === Number.MAX_VALUE ? '∞)' : `${fmt(range.max)}]`;
  return `${low}, ${high}`;
}
