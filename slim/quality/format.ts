import {
  CATEGORIES,
  CarbonObservation,
  IotObservation,
  MarketObservation,
  RealEstateObservation,
  WeatherObservation,
  type Category,
  type CheckResult,
  type Observation,
} from '../../schemas/index.ts';
import type { QualityContext } from './context.ts';
import { certainlyValidObservation } from './format-fast-path.ts';
import { checkResult } from './result.ts';
import { keepStringMethodsFast } from './string-prototype.ts';
import { isoMs, observedAtMs } from './timestamps.ts';

const CATEGORY_SCHEMAS = {
  market: MarketObservation,
  real_estate: RealEstateObservation,
  carbon: CarbonObservation,
  iot: IotObservation,
  weather: WeatherObservation,
} as const;

/** How many problems a reason names: enough to fix a device, short enough to read in a review queue. */
const ISSUES_NAMED_MAX = 3;

export const isCategory = (c: unknown): c is Category => typeof c === 'string' && (CATEGORIES as readonly string[]).includes(c);

export type FormatInspection = { result: CheckResult; observation: Observation | null };

/**
 * Validates untrusted input (a pushed reading, a mirror's answer) against its category's schema.
 * Returns the parsed observation when it can be read at all, even if a finer rule below fails,
 * so the other steps can still judge it; null when nothing typed can be recovered.
 */
export function inspectFormat(input: unknown): FormatInspection {
  // The steps from here on read strings character by character; every evaluation passes here.
  keepStringMethodsFast();
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { result: checkResult('format', 0, 'observation is not an object'), observation: null };
  }
  const category = (input as Record<string, unknown>)['category'];
  if (!isCategory(category)) {
    return {
      result: checkResult('format', 0, `category: expected one of ${CATEGORIES.join(', ')}`),
      observation: null,
    };
  }
  // Nearly every input is valid: the fast path vouches for it without a second zod parse. Anything it
  // cannot vouch for goes to zod, which decides and names the problems. Either way the steps below
  // read only the schema's fields, so the keys zod would strip make no difference to them.
  if (certainlyValidObservation(input as Record<string, unknown>, category)) return readable(input as Observation, category, true);
  // The category's own schema names the failing field; the discriminated union would only say "invalid".
  const parsed = CATEGORY_SCHEMAS[category].safeParse(input);
  if (!parsed.success) {
    // Named here rather than with the HTTP layer's helper: the chain stays free of server imports.
    const issues = parsed.error.issues.slice(0, ISSUES_NAMED_MAX);
    const named = issues.map((i) => `${i.path.map(String).join('.') || '(observation)'}: ${i.message}`).join('; ');
    const more = parsed.error.issues.length > issues.length ? ` (+${parsed.error.issues.length - issues.length} more)` : '';
    return { result: checkResult('format', 0, `schema violations: ${named}${more}`), observation: null };
  }
  return readable(parsed.data, category, false);
}

/** Valid reasons are constant per category: built once. */
const VALID_REASONS: Readonly<Record<Category, string>> = {
  market: 'valid market observation',
  real_estate: 'valid real_estate observation',
  carbon: 'valid carbon observation',
  iot: 'valid iot observation',
  weather: 'valid weather observation',
};

/**
 * An observation the schema accepts, judged by the finer rules. `vouched`: the fast path read both
 * timestamps as real instants already (and its value as finite), so they need no second parse.
 */
function readable(observation: Observation, category: Category, vouched: boolean): FormatInspection {
  const problem = vouched ? blankUnit(observation) : finerProblem(observation);
  return {
    result: checkResult('format', problem === null ? 1 : 0, problem ?? VALID_REASONS[category]),
    observation,
  };
}

/** Rules the schema does not state: zod would accept a whitespace unit, and its ISO regex is not a calendar. */
function finerProblem(o: Observation): string | null {
  if (!Number.isFinite(o.value)) return `value: ${o.value} is not a finite number`;
  if (Number.isNaN(observedAtMs(o.observedAt))) return `observedAt: "${o.observedAt}" is not a parseable timestamp`;
  if (Number.isNaN(isoMs(o.receivedAt))) return `receivedAt: "${o.receivedAt}" is not a parseable timestamp`;
  return blankUnit(o);
}

const blankUnit = (o: Observation): string | null => (o.unit.trim() === '' ? 'unit: must not be blank' : null);

/** Step 2: the observation matches its category's schema, with a finite value, real timestamps and a unit. */
export function checkFormat(observation: unknown, _ctx: QualityContext): CheckResult {
  return inspectFormat(observation).result;
}
