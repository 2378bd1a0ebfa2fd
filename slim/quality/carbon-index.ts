import type { CarbonObservation } from '../../schemas/index.ts';

export type CarbonIndex = NonNullable<CarbonObservation['data']['index']>;

/**
 * The GB Carbon Intensity API labels each half hour with an index band whose edges the National
 * Grid ESO methodology lowers every year, in step with the grid's decarbonisation target: in
 * 2017 "moderate" was 180–279 g CO2/kWh, and each year the very-low edge drops by 5 and the others
 * by 10 (the API's own documented example, 263 "moderate" in January 2018, sits in that year's
 * 170–269). Years past the last step keep its bands.
 */
const FIRST_YEAR = 2017;
const LAST_YEAR = 2030;
const EDGES_FIRST_YEAR = { veryLow: 100, low: 180, moderate: 280, high: 380 } as const;
const STEP_PER_YEAR = { veryLow: 5, low: 10, moderate: 10, high: 10 } as const;

export interface CarbonIndexBand {
  index: CarbonIndex;
  /** Inclusive lower edge, g CO2/kWh. */
  from: number;
  /** Exclusive upper edge. */
  to: number;
}

/** The five bands in force in `year` (UTC year of the half-hour window). */
export function carbonIndexBands(year: number): readonly CarbonIndexBand[] {
  return BANDS_BY_STEP[stepsOf(year)] as readonly CarbonIndexBand[];
}

const stepsOf = (year: number): number => Math.min(Math.max(year, FIRST_YEAR), LAST_YEAR) - FIRST_YEAR;

function bandsAfter(steps: number): readonly CarbonIndexBand[] {
  const edge = (k: keyof typeof EDGES_FIRST_YEAR) => EDGES_FIRST_YEAR[k] - STEP_PER_YEAR[k] * steps;
  return Object.freeze([
    { index: 'very low', from: 0, to: edge('veryLow') },
    { index: 'low', from: edge('veryLow'), to: edge('low') },
    { index: 'moderate', from: edge('low'), to: edge('moderate') },
    { index: 'high', from: edge('moderate'), to: edge('high') },
    { index: 'very high', from: edge('high'), to: Number.POSITIVE_INFINITY },
  ] as const);
}

/** Every year's bands, built once: the consistency step reads them for each carbon observation. */
const BANDS_BY_STEP: ReadonlyArray<readonly CarbonIndexBand[]> = Array.from({ length: LAST_YEAR - FIRST_YEAR + 1 }, (_, steps) => bandsAfter(steps));

/** The band an intensity falls in, in `year`. */
export function carbonIndexOf(intensityGPerKwh: number, year: number): CarbonIndex {
  const bands = carbonIndexBands(year);
  for (const band of bands) if (intensityGPerKwh < band.to) return band.index;
  return 'very high';
}

/**
 * How far (g CO2/kWh) an intensity lies outside the band `index` names in `year`; 0 inside it.
 * The consistency check tolerates a small distance: the API derives the index from its own
 * (forecast) figure, which can sit on the other side of an edge from the one we compare with.
 */
export function distanceFromBand(index: CarbonIndex, intensityGPerKwh: number, year: number): number {
  let band: CarbonIndexBand | undefined;
  for (const b of carbonIndexBands(year)) if (b.index === index) band = b;
  if (band === undefined) return Number.POSITIVE_INFINITY;
  if (intensityGPerKwh < band.from) return band.from - intensityGPerKwh;
  if (intensityGPerKwh >= band.to) return intensityGPerKwh - band.to + 1;
  return 0;
}
