/**
 * `npm run bench -- <name>` runs one benchmark and writes bench/results/<name>.json;
 * `npm run bench` lists them. Each benchmark measures a candidate beside its baseline
 * in the same run and reports the ratio, since these machines are noisy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { BENCHMARKS } from './registry.ts';

const name = process.argv[2];
if (name === undefined || !(name in BENCHMARKS)) {
  if (name !== undefined) console.error(`unknown benchmark "${name}"`);
  console.log(`benchmarks: ${Object.keys(BENCHMARKS).join(', ')}\nrun one: npm run bench -- <name>`);
  process.exit(name === undefined ? 0 : 2);
}
const bench = BENCHMARKS[name as keyof typeof BENCHMARKS];
console.log(`running ${name}: ${bench.description}`);
const result = await bench.run();
const record = { benchmark: name, description: bench.description, at: new Date().toISOString(), node: process.version, ...result };
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const out = new URL(`./results/${name}.json`, import.meta.url);
writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
console.log(JSON.stringify(record, null, 2));
console.log(`written to bench/results/${name}.json`);
