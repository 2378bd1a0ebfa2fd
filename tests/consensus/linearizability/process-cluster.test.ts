/**
 * Linearizability of the replicated cluster as real processes, while its leader is killed with
 * SIGKILL and restarted from its own storage: concurrent clients attest and read through every
 * member (default, linearizable reads); the recorded history must be linearizable for every feed.
 * Storage: real Postgres (a schema per member) when TEST_DATABASE_URL is set, else PGlite directories.
 * Bounded: 8 clients run until three leaders have been killed and restarted (at most 4,000
 * operations or 150 seconds); every kill must happen, or the test fails rather than pass unexercised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_TOKEN_HEADER, startProcessCluster, type ProcessCluster } from '../../support/cluster-processes.ts';
import { TEST_DATABASE_URL } from '../../support/databases.ts';
import { checkAttestationHistory, outcomeCounts, runAttestationWorkload, waitForAgreedLeader } from './workload.ts';

const WORKLOAD_MS_MAX = 150_000;
const LEADER_KILLS = 3;
/** Tries at finding a leader to kill (each waits the harness's leader timeout) before the test gives up. */
const LEADER_TRIES = 4;
/** Operations go on this long after the last restart, so the restarted member serves some too. */
const AFTER_LAST_RESTART_MS = 3_000;
/** First kill after the workload warmed up; the killed leader stays down this long, then restarts. */
const FIRST_KILL_AFTER_MS = 5_000;
const DOWN_MS = 3_000;
const BETWEEN_KILLS_MS = 5_000;
const CHECK_TIMEOUT_MS = 60_000;
/** A client told 503 waits this long (at most Retry-After) before its next operation, rather than piling onto a busy cluster. */
const UNAVAILABLE_BACKOFF_MS = 250;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('replicated cluster of processes, leader killed during the workload', () => {
  let cluster: ProcessCluster;
  beforeAll(async () => {
    cluster = await startProcessCluster({ voters: 3, learners: 1, postgresUrl: TEST_DATABASE_URL });
    await waitForAgreedLeader(
      cluster.members.map((m) => m.url),
      CLUSTER_TOKEN_HEADER,
      120_000,
    );
  }, 300_000);
  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  it('gives answers that form a linearizable history of every feed', async () => {
    const killed: string[] = [];
    const nemesisProblems: string[] = [];
    const stop = new AbortController();
    const leaderToKill = async (): Promise<string | null> => {
      for (let attempt = 0; attempt < LEADER_TRIES; attempt++) {
        try {
          return await cluster.leader();
        } catch (error) {
          nemesisProblems.push(String(error).split('\n')[0]!);
        }
      }
      return null;
    };
    const nemesis = (async () => {
      await pause(FIRST_KILL_AFTER_MS);
      for (let k = 0; k < LEADER_KILLS; k++) {
        const leader = await leaderToKill();
        if (leader === null) break;
        await cluster.kill(leader, 'SIGKILL');
        killed.push(leader);
        await pause(DOWN_MS);
        await cluster.restart(leader).catch((error: unknown) => nemesisProblems.push(String(error).split('\n')[0]!));
        await pause(k === LEADER_KILLS - 1 ? AFTER_LAST_RESTART_MS : BETWEEN_KILLS_MS);
      }
    })().finally(() => stop.abort());
    const { history, failed, statuses, errorMessages } = await runAttestationWorkload({
      nodeUrls: cluster.members.map((m) => m.url),
      headers: CLUSTER_TOKEN_HEADER,
      clients: 8,
      keys: 6,
      durationMs: WORKLOAD_MS_MAX,
      operationsMax: 4_000,
      requestTimeoutMs: 10_000,
      unavailableBackoffMs: UNAVAILABLE_BACKOFF_MS,
      stop: stop.signal,
    });
    await nemesis;

    const result = checkAttestationHistory(history, CHECK_TIMEOUT_MS);
    const counts = outcomeCounts({ history, failed });
    const summary = `operations ${JSON.stringify(counts)}, leaders killed: ${killed.join(', ')} ${nemesisProblems.join('; ')}; answers ${JSON.stringify(statuses)} ${JSON.stringify(errorMessages)}; check: ${String(result.ok)}${result.ok === 'unknown' ? ` (${result.reason} on ${result.key})` : ''} ${JSON.stringify(result.stats)}`;
    console.log(summary);
    if (result.ok === false) console.error(`not linearizable on ${result.key}\n${result.violation.text}`);
    expect(result.ok, summary).toBe(true);
    expect(killed).toHaveLength(LEADER_KILLS);
    // Not vacuous: the cluster itself answered some operations (a refused connection is no answer).
    expect(history.some((op) => op.output?.kind === 'read' || (op.output?.kind === 'attest' && op.output.outcome === 'committed'))).toBe(true);
  }, 420_000);
});
