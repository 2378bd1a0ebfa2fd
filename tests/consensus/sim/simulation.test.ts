import { describe, expect, it } from 'vitest';
import { runSimulation } from './simulation.ts';

/** Seeds run by npm test; `npm run sim -- --seeds 10000` runs many more. */
const SEEDS = 300;
const BATCH = 50;

describe('raft simulation', () => {
  for (let first = 1; first <= SEEDS; first += BATCH) {
    it(`seeds ${first}..${first + BATCH - 1} keep every safety property and make progress once healed`, () => {
      const failures = [];
      for (let seed = first; seed < first + BATCH; seed++) {
        const result = runSimulation(seed);
        if (!result.ok) failures.push(`seed ${seed}: ${result.failure} — replay: npm run sim -- --seed ${seed}`);
      }
      expect(failures).toEqual([]);
    });
  }

  it('a seed replays exactly', () => {
    expect(runSimulation(42)).toEqual(runSimulation(42));
  });

  it('runs exercise the faults they claim to', () => {
    const totals = { crashes: 0, confChanges: 0, snapshotsSent: 0, readsChecked: 0, dropped: 0, duplicated: 0, leaders: 0 };
    for (let seed = 1; seed <= 20; seed++) {
      const { stats } = runSimulation(seed);
      totals.crashes += stats.crashes;
      totals.confChanges += stats.confChanges;
      totals.snapshotsSent += stats.snapshotsSent;
      totals.readsChecked += stats.readsChecked;
      totals.dropped += stats.messages.dropped;
      totals.duplicated += stats.messages.duplicated;
      totals.leaders += stats.leaders;
    }
    for (const [name, total] of Object.entries(totals)) expect(total, name).toBeGreaterThan(20);
  });
});
