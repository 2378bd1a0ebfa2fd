/**
 * Fractional units are decimal strings in transactions and state (they can exceed 2^53) and
 * bigints in arithmetic. Everything here is exact, so every node computes the same numbers.
 */
export const toUnits = (text: string): bigint => BigInt(text);
export const fromUnits = (units: bigint): string => units.toString();

/**
 * floor(value × multiplier), exactly: `value` is taken at the decimal its shortest round-trip
 * representation spells (the same on every JavaScript engine), never through float multiplication.
 * Zero for a value that is not positive and finite.
 */
export function floorTimes(value: number, multiplier: bigint): bigint {
  if (!(value > 0) || !Number.isFinite(value)) return 0n;
  const [mantissa = '0', exponentText] = value.toString().split('e');
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  const [whole = '0', fraction = ''] = mantissa.split('.');
  const digits = BigInt(whole + fraction);
  const scale = fraction.length - exponent;
  return scale <= 0 ? digits * 10n ** BigInt(-scale) * multiplier : (digits * multiplier) / 10n ** BigInt(scale);
}
