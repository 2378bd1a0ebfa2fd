import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChannelDelivery, type ChannelDeliveryReceipt, type ChannelEvent } from '../../../../schemas/index.ts';
import { CLUSTER_TOKEN_HEADER } from '../../../../runtime/cluster-auth.ts';
import { LocalServer, readBody } from './http-server.ts';

/**
 * Stands in for the validator's `POST /api/v11/internal/channel-events`: checks the cluster
 * token and the body, "commits" every event (idempotently, by id) and records what arrived.
 */
export class FakeValidator extends LocalServer {
  /** Every event received, in arrival order, redeliveries included. */
  readonly received: ChannelEvent[] = [];
  /** Committed events by id. */
  readonly committed = new Map<string, ChannelEvent>();
  /** Size of every batch received. */
  readonly batches: number[] = [];
  /** Answer 503 with Retry-After instead of committing. */
  unavailable = false;
  /** Which events of a batch get committed (all by default): a validator may commit part of a batch in time. */
  commits: (event: ChannelEvent) => boolean = () => true;
  /** Which events the ledger refuses for good (none by default). */
  refuses: (event: ChannelEvent) => boolean = () => false;
  private height = 0;

  constructor(private readonly clusterSecret: string) {
    super((req, res) => void this.answer(req, res));
  }

  eventsOfFeed(feedId: string): ChannelEvent[] {
    return [...this.committed.values()].filter((e) => e.feedId === feedId);
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) =>
      void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(payload));
    if (req.method !== 'POST' || req.url !== '/api/v11/internal/channel-events') return reply(404, { error: { code: 'ROUTE_NOT_FOUND', message: 'no route' } });
    if (req.headers[CLUSTER_TOKEN_HEADER] !== this.clusterSecret) return reply(401, { error: { code: 'UNAUTHENTICATED', message: 'cluster only' } });
    if (this.unavailable) return reply(503, { error: { code: 'UNAVAILABLE', message: 'no leader' } }, { 'retry-after': '0' });
    const parsed = ChannelDelivery.safeParse(JSON.parse(body));
    if (!parsed.success) return reply(400, { error: { code: 'INVALID_INPUT', message: parsed.error.message } });
    this.height += 1;
    this.batches.push(parsed.data.events.length);
    parsed.data.events.forEach((e) => this.received.push(e));
    const receipt: ChannelDeliveryReceipt = { committed: [], rejected: [] };
    for (const event of parsed.data.events) {
      if (this.refuses(event)) {
        receipt.rejected.push({ eventId: event.id, code: 'ATTEST_NOT_APPROVED', message: 'neither accepted nor approved' });
      } else if (this.commits(event)) {
        const duplicate = this.committed.has(event.id);
        if (!duplicate) this.committed.set(event.id, event);
        receipt.committed.push({ eventId: event.id, height: this.height, txHash: randomBytes(32).toString('hex'), duplicate });
      }
    }
    return reply(200, receipt);
  }
}
