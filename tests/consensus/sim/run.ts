import { DEFAULT_SIM_OPTIONS, runSimulation, type SimOptions } from './simulation.ts';

/**
 * npm run sim -- --seeds N [--seed S] [--rounds R]
 * Runs seeds S..S+N-1 (S defaults to 1); stops at the first failure and prints how to replay it.
 * --seed S alone replays one seed and prints its statistics.
 */
function parseArgs(argv: string[]): { first: number; count: number; options: SimOptions; verbose: boolean } {
  const value = (name: string): number | undefined => {
    const at = argv.indexOf(name);
    if (at < 0) return undefined;
    const n = Number(argv[at + 1]);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} needs a whole number, got ${argv[at + 1]}`);
    return n;
  };
  const seed = value('--seed');
  const seeds = value('--seeds');
  const rounds = value('--rounds');
  return {
    first: seed ?? 1,
    count: seeds ?? 1,
    options: { ...DEFAULT_SIM_OPTIONS, ...(rounds === undefined ? {} : { faultRounds: rounds }) },
    verbose: seeds === undefined,
  };
}

function main(): void {
  const { first, count, options, verbose } = parseArgs(process.argv.slice(2));
  const startedMs = performance.now();
  for (let seed = first; seed < first + count; seed++) {
    const result = runSimulation(seed, options);
    if (verbose) console.log(JSON.stringify(result, null, 2));
    if (!result.ok) {
      console.error(`seed ${seed} FAILED: ${result.failure}`);
      console.error(`replay: npm run sim -- --seed ${seed}${options.faultRounds === DEFAULT_SIM_OPTIONS.faultRounds ? '' : ` --rounds ${options.faultRounds}`}`);
      process.exitCode = 1;
      return;
    }
    if (!verbose && (seed - first + 1) % 500 === 0) console.log(`${seed - first + 1} seeds ok`);
  }
  const elapsedS = (performance.now() - startedMs) / 1000;
  console.log(`${count} seeds from ${first} passed in ${elapsedS.toFixed(1)} s (${((elapsedS * 1000) / count).toFixed(1)} ms per seed)`);
}

main();
