import { hashBench } from './hash.ts';

export interface Benchmark {
  description: string;
  run(): Promise<Record<string, unknown>>;
}

export const BENCHMARKS = {
  hash: { description: 'SHA-256 of 1 KiB: node:crypto against @noble/hashes, side by side', run: hashBench },
} satisfies Record<string, Benchmark>;
