import type { Consensus } from '../node/consensus.ts';

/**
 * The consensus seam with its submissions timed: each transaction that commits is reported with
 * the time from its submission here to its outcome. Everything else passes through untouched, so
 * the wrapper follows the interface as it grows.
 */
export function timedSubmissions(inner: Consensus, committed: (latencyMs: number) => void): Consensus {
  const submit: Consensus['submit'] = async (txs) => {
    const startedMs = performance.now();
    const outcomes = await inner.submit(txs);
    const latencyMs = performance.now() - startedMs;
    for (const o of outcomes) if (o.kind === 'committed') committed(latencyMs);
    return outcomes;
  };
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'submit') return submit;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
