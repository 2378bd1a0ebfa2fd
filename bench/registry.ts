import { blockBench } from './block.ts';
import { consensusBench } from './consensus.ts';
import { gatewayBench } from './gateway.ts';
import { hashBench } from './hash.ts';
import { ledgerBench } from './ledger.ts';
import { loadBench } from './load.ts';
import { linearizabilityBench } from '../tests/consensus/linearizability/bench.ts';
import { qualityBench } from './quality.ts';
import { transportBench } from './transport.ts';

export interface Benchmark {
  description: string;
  run(): Promise<Record<string, unknown>>;
}

export const BENCHMARKS = {
  block: { description: 'building a signed block of 200 attestations: ML-DSA-44 against the default ML-DSA-87', run: blockBench },
  quality: {
    description: 'quality chain: runQualityChain obs/s on one core against the format step alone, and pushed readings evaluated and recorded per second by one slim worker',
    run: qualityBench,
  },
  hash: { description: 'SHA-256 of 1 KiB: node:crypto against @noble/hashes, side by side', run: hashBench },
  gateway: {
    description: 'proxying a small JSON GET: requests/s and p50/p99 through the gateway (auth, rate limits, breakers) against nginx (limit_req) and the upstream hit directly, each in its own process',
    run: gatewayBench,
  },
  transport: {
    description: 'peer transport over loopback: append batches from one HttpPeerTransport to followers in their own processes (messages/s, MB/s, CPU per MB), and the binary frame against JSON+base64',
    run: transportBench,
  },
  linearizability: {
    description: 'linearizability checker: 10,000 register operations over 20 keys at growing overlap, one with an impossible read, and 2,000 on a single key; milliseconds per check',
    run: linearizabilityBench,
  },
  consensus: {
    description: 'Raft cluster of 3 validators + 2 business nodes as processes with durable storage: committed tx/s and commit latency p50/p99 per batch size (raw Raft with 200-byte transactions, and the ledger end to end), and failover time after SIGKILL of the leader',
    run: consensusBench,
  },
  load: {
    description: 'staged load through the gateway of the compose topology as processes (Postgres, Redis): 10, 50, 100, 500 and 10 req/s of a realistic route mix from an open-model generator; achieved rate, p50/p95/p99, errors and 429s per stage',
    run: loadBench,
  },
  ledger: {
    description: 'signed ML-DSA-44 transfers committed per second through POST /transaction (verified on worker threads at admission) against the raw two-core verify ceiling measured in the same run',
    run: ledgerBench,
  },
} satisfies Record<string, Benchmark>;
