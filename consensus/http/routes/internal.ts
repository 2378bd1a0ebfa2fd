import type { Hono } from 'hono';
import { readJson } from '../../../runtime/http.ts';
import { ChannelDelivery, type ChannelDeliveryReceipt, type ChannelEvent } from '../../../schemas/index.ts';
import { waitForCommit } from '../../node/commit-wait.ts';
import type { CommitResult } from '../../node/consensus.ts';
import type { ValidatorHttpDeps } from '../deps.ts';

/** How long a delivery waits for its block; past it the worker gets a 503 and delivers again (apply is idempotent). */
export const DELIVERY_COMMIT_WAIT_MS = 10_000;
const DELIVERY_RETRY_AFTER_S = 1;

export function internalRoutes(api: Hono, deps: ValidatorHttpDeps): void {
  /** Slim workers deliver channel events here; the answer comes once they are in a stored block. */
  api.post('/internal/channel-events', async (c) => {
    const { events } = await readJson(c, ChannelDelivery);
    const unique = firstOfEachId(events);
    const places = await deps.repository.committedPlaces(unique.map((e) => e.id));
    const fresh = unique.filter((e) => !places.has(e.id));
    const outcomes = fresh.length === 0 ? [] : await waitForCommit(deps.consensus.submit(fresh.map((event) => ({ type: 'attest', event }))), DELIVERY_COMMIT_WAIT_MS, DELIVERY_RETRY_AFTER_S);
    const byId = new Map<string, CommitResult>(fresh.map((e, i) => [e.id, outcomes[i]!]));

    const answer: ChannelDeliveryReceipt = { committed: [], rejected: [] };
    for (const event of unique) {
      const earlier = places.get(event.id);
      if (earlier !== undefined) {
        answer.committed.push({ eventId: event.id, height: earlier.height, txHash: earlier.txHash, duplicate: true });
        continue;
      }
      const outcome = byId.get(event.id)!;
      if (outcome.kind === 'rejected') answer.rejected.push({ eventId: event.id, code: outcome.code, message: outcome.message });
      else answer.committed.push({ eventId: event.id, height: outcome.height, txHash: outcome.txHash, duplicate: outcome.kind === 'duplicate' });
    }
    return c.json(answer);
  });
}

/** Within one delivery the first copy of an event id counts; the answer has one entry per id. */
function firstOfEachId(events: readonly ChannelEvent[]): ChannelEvent[] {
  const byId = new Map<string, ChannelEvent>();
  for (const e of events) if (!byId.has(e.id)) byId.set(e.id, e);
  return [...byId.values()];
}
