/** Runs `fn` repeatedly for about `durationMs` and answers operations per second. */
export function opsPerSec(fn: () => void, durationMs = 1_000): number {
  for (let i = 0; i < 50; i++) fn(); // warm-up: let the JIT settle
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < 20; i++) fn();
    ops += 20;
    elapsed = performance.now() - start;
  }
  return Math.round((ops / elapsed) * 1000);
}

/** Alternates baseline and candidate rounds so both see the same machine noise; medians of each. */
export function sideBySide(baseline: () => void, candidate: () => void, rounds = 5, roundMs = 400) {
  const b: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < rounds; i++) {
    b.push(opsPerSec(baseline, roundMs));
    c.push(opsPerSec(candidate, roundMs));
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
  const baselineOpsPerSec = median(b);
  const candidateOpsPerSec = median(c);
  return { baselineOpsPerSec, candidateOpsPerSec, ratio: Math.round((candidateOpsPerSec / baselineOpsPerSec) * 100) / 100 };
}
