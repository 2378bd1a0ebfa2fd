import type { RandomSource } from './random.ts';

/**
 * A timeout in [electionTicks, 2 * electionTicks): spreading timeouts makes split votes rare
 * without any clock inside the core.
 */
export function randomizedElectionTicks(random: RandomSource, electionTicks: number): number {
  return electionTicks + random.intBelow(electionTicks);
}
