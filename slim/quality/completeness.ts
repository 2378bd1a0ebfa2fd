import type { CheckResult } from '../../schemas/index.ts';
import type { QualityContext } from './context.ts';
import { isWeatherMetric } from './defaults.ts';
import { WEATHER_METRIC_FIELDS } from '../../schemas/index.ts';
import { isCategory } from './format.ts';
import { checkResult, fmt } from './result.ts';

/** Every observation carries these, whatever its category (paths as in the schema). */
const BASE_REQUIRED = ['feedId', 'assetId', 'category', 'observedAt', 'receivedAt', 'value', 'unit', 'source'];

/** A field named once at load time: an observation's own ('unit') or one of its data's ('data.price'). */
interface FieldPath {
  name: string;
  key: string;
  inData: boolean;
}

interface ExpectedFields {
  required: readonly FieldPath[];
  optional: readonly FieldPath[];
  /** The reason when every field is there (the common case), written once. */
  allPresent: string;
  /** A requirement that is not one field: weather with no known metric needs at least one variable. */
  anyOf?: { label: string; paths: readonly FieldPath[] };
}

type Raw = Record<string, unknown>;

const asRecord = (v: unknown): Raw | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : null);

function pathOf(name: string): FieldPath {
  const keys = name.split('.');
  if (keys.length === 1) return { name, key: name, inData: false };
  if (keys.length === 2 && keys[0] === 'data') return { name, key: keys[1] as string, inData: true };
  throw new Error(`completeness knows top-level and data fields only, not ${name}`);
}
const pathsOf = (names: readonly string[]): FieldPath[] => names.map(pathOf);

/** Present means there and not null; `data` is the observation's data record, null when it has none. */
function isPresent(raw: Raw, data: Raw | null, path: FieldPath): boolean {
  const holder = path.inData ? data : raw;
  if (holder === null) return false;
  const v = holder[path.key];
  return v !== undefined && v !== null;
}

const BASE = pathsOf(BASE_REQUIRED);
const WEATHER_FIELDS = Object.values(WEATHER_METRIC_FIELDS).map((f) => `data.${f}`);
const WEATHER_BASE = ['data.latitude', 'data.longitude', 'data.timezone'];

/**
 * Expected fields per category (and weather metric, carbon kind), built once at load time: the
 * chain runs on every observation, so paths are not re-split nor lists re-built per call.
 * `required` includes the base fields every observation carries.
 */
const expectedOf = (required: string[], optional: string[], anyOf?: { label: string; paths: string[] }): ExpectedFields => ({
  required: [...BASE, ...pathsOf(required)],
  optional: pathsOf(optional),
  allPresent: `all ${BASE.length + required.length + optional.length} expected fields present`,
  ...(anyOf ? { anyOf: { label: anyOf.label, paths: pathsOf(anyOf.paths) } } : {}),
});

const WEATHER_ANY = expectedOf(WEATHER_BASE, WEATHER_FIELDS, { label: 'a weather variable', paths: WEATHER_FIELDS });
// The attested variable is required; the others are context a consumer may use.
const WEATHER_BY_METRIC: ReadonlyMap<string, ExpectedFields> = new Map(
  Object.entries(WEATHER_METRIC_FIELDS).map(([metric, field]) => {
    const attested = `data.${field}`;
    return [metric, expectedOf([...WEATHER_BASE, attested], WEATHER_FIELDS.filter((f) => f !== attested))];
  }),
);
const MARKET = expectedOf(['data.symbol', 'data.price'], ['data.bid', 'data.ask', 'data.volume', 'data.exchange']);
const REAL_ESTATE = expectedOf(['data.propertyId', 'data.valuationUsd'], ['data.rangeLowUsd', 'data.rangeHighUsd']);
// What is required depends on what the reading is: an intensity or a credit price.
// A credit is priced per instrument, not per grid region.
const CARBON_CREDIT = expectedOf(['data.kind', 'data.priceUsdPerTonne'], ['data.instrument']);
const CARBON_INTENSITY = expectedOf(['data.kind', 'data.intensityGPerKwh'], ['data.region', 'data.forecastGPerKwh', 'data.index']);
const IOT = expectedOf(['data.deviceId', 'data.metric', 'data.reading'], ['data.latitude', 'data.longitude']);

function expectedFields(raw: Raw, ctx: QualityContext): ExpectedFields | null {
  const category = isCategory(raw['category']) ? raw['category'] : ctx.feed?.category;
  switch (category) {
    case 'weather': {
      const source = ctx.feed?.source;
      const metric = source?.adapter === 'open-meteo' && isWeatherMetric(source.params.metric) ? source.params.metric : null;
      return (metric === null ? undefined : WEATHER_BY_METRIC.get(metric)) ?? WEATHER_ANY;
    }
    case 'market':
      return MARKET;
    case 'real_estate':
      return REAL_ESTATE;
    case 'carbon':
      return asRecord(raw['data'])?.['kind'] === 'credit_price' ? CARBON_CREDIT : CARBON_INTENSITY;
    case 'iot':
      return IOT;
    case undefined:
      return null;
  }
}

/**
 * Step 1: the fraction of the category's expected fields that are present and non-null.
 * A missing required field scores 0: an observation without its attested quantity is not data.
 * Works on raw input too, so an unreadable push still learns what it lacks.
 */
export function checkCompleteness(observation: unknown, ctx: QualityContext): CheckResult {
  const raw = asRecord(observation);
  if (raw === null) return checkResult('completeness', 0, 'unreadable observation');
  const expected = expectedFields(raw, ctx);
  if (expected === null) return checkResult('completeness', 0, 'unknown category: expected fields cannot be named');

  const { required, optional, anyOf } = expected;
  const data = asRecord(raw['data']);
  let missingRequired: string[] | null = null;
  for (const p of required) if (!isPresent(raw, data, p)) (missingRequired ??= []).push(p.name);
  if (anyOf && !anyOf.paths.some((p) => isPresent(raw, data, p))) (missingRequired ??= []).push(anyOf.label);
  if (missingRequired !== null) {
    return checkResult('completeness', 0, `missing required: ${missingRequired.join(', ')}`);
  }

  let missingOptional: string[] | null = null;
  for (const p of optional) if (!isPresent(raw, data, p)) (missingOptional ??= []).push(p.name);
  const total = required.length + optional.length;
  if (missingOptional === null) return checkResult('completeness', 1, expected.allPresent);
  const present = total - missingOptional.length;
  const score = present / total;
  const reason = `${present}/${total} expected fields present (${fmt(score)}); missing optional: ${missingOptional.join(', ')}`;
  return checkResult('completeness', score, reason);
}
