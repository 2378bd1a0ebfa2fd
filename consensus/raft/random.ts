/**
 * The core's only source of randomness, passed in so a seeded source makes a run repeatable.
 * intBelow(n) returns an integer in [0, n).
 */
export interface RandomSource {
  intBelow(n: number): number;
}
