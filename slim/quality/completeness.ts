import type { CheckResult } from '../../schemas/index.ts';
import type { QualityContext } from './context.ts';
import { isWeatherMetric } from './defaults.ts';
import { WEATHER_METRIC_FIELDS } from '../../schemas/index.ts';
import { isCategory } from './format.ts';
import { checkResult, fmt } from './result.ts';

/** Every observation carries these, whatever its category (paths as in the schema). */
const BASE_REQUIRED = ['feedId', 'assetId', 'category', 'observedAt', 'receivedAt', 'value', 'unit', 'source'];

interface ExpectedFields {
  required: string[];
  optional: string[];
  /** A requirement that is not one field: weather with no known metric needs at least one variable. */
  anyOf?: { label: string; paths: string[] };
}

type Raw = Record<string, unknown>;

const asRecord = (v: unknown): Raw | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : null);

function valueAt(root: Raw, path: string): unknown {
  let at: unknown = root;
  for (const key of path.split('.')) {
    const record = asRecord(at);
    if (record === null) return undefined;
    at = record[key];
  }
  return at;
}

const isPresent = (root: Raw, path: string): boolean => {
  const v = valueAt(root, path);
  return v !== undefined && v !== null;
};

const WEATHER_FIELDS = Object.values(WEATHER_METRIC_FIELDS).map((f) => `data.${f}`);

function expectedFields(raw: Raw, ctx: QualityContext): ExpectedFields | null {
  const category = isCategory(raw['category']) ? raw['category'] : ctx.feed?.category;
  const data = asRecord(raw['data']) ?? {};
  switch (category) {
    case 'weather': {
      // The attested variable is required; the others are context a consumer may use.
      const source = ctx.feed?.source;
      const metric = source?.adapter === 'open-meteo' && isWeatherMetric(source.params.metric) ? source.params.metric : null;
      const base = ['data.latitude', 'data.longitude', 'data.timezone'];
      if (metric === null) {
        return { required: base, optional: WEATHER_FIELDS, anyOf: { label: 'a weather variable', paths: WEATHER_FIELDS } };
      }
      const attested = `data.${WEATHER_METRIC_FIELDS[metric]}`;
      return { required: [...base, attested], optional: WEATHER_FIELDS.filter((f) => f !== attested) };
    }
    case 'market':
      return { required: ['data.symbol', 'data.price'], optional: ['data.bid', 'data.ask', 'data.volume', 'data.exchange'] };
    case 'real_estate':
      return { required: ['data.propertyId', 'data.valuationUsd'], optional: ['data.rangeLowUsd', 'data.rangeHighUsd'] };
    case 'carbon':
      // What is required depends on what the reading is: an intensity or a credit price.
      return data['kind'] === 'credit_price'
        ? { required: ['data.kind', 'data.priceUsdPerTonne'], optional: ['data.region'] }
        : { required: ['data.kind', 'data.intensityGPerKwh'], optional: ['data.region', 'data.forecastGPerKwh', 'data.index'] };
    case 'iot':
      return { required: ['data.deviceId', 'data.metric', 'data.reading'], optional: ['data.latitude', 'data.longitude'] };
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

  const required = [...BASE_REQUIRED, ...expected.required];
  const missingRequired = required.filter((p) => !isPresent(raw, p));
  if (expected.anyOf && !expected.anyOf.paths.some((p) => isPresent(raw, p))) missingRequired.push(expected.anyOf.label);
  if (missingRequired.length > 0) {
    return checkResult('completeness', 0, `missing required: ${missingRequired.join(', ')}`);
  }

  const missingOptional = expected.optional.filter((p) => !isPresent(raw, p));
  const total = required.length + expected.optional.length;
  const present = total - missingOptional.length;
  const score = present / total;
  const reason =
    missingOptional.length === 0
      ? `all ${total} expected fields present`
      : `${present}/${total} expected fields present (${fmt(score)}); missing optional: ${missingOptional.join(', ')}`;
  return checkResult('completeness', score, reason);
}
