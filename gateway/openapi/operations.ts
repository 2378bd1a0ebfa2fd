import { z } from 'zod';
import { Hash32, Identifier, ReviewAuditQuery, ReviewListQuery } from '../../schemas/index.ts';
import { DOCS_ASSET_NAMES } from '../docs/assets.ts';
import type { RequestSchemaName, ResponseSchemaName } from './components.ts';

/** Text types other than JSON and event streams are described as plain strings. */
export type SuccessMediaType = 'application/json' | 'text/event-stream' | 'text/html' | 'text/css' | 'text/javascript';

export interface OperationDoc {
  summary: string;
  description?: string;
  /** Path parameters by name (every `:name` of the pattern). */
  params?: Record<string, { schema: z.ZodType; description: string }>;
  query?: z.ZodObject;
  headers?: Record<string, { schema: z.ZodType; description: string }>;
  body?: RequestSchemaName;
  success: {
    status: 200 | 201;
    description: string;
    /** A named schema, or null when the serving node owns a shape not yet in schemas/. */
    schema: ResponseSchemaName | null;
    /** The media type of the answer, or several when it depends on the request (a static asset). */
    contentType?: SuccessMediaType | readonly SuccessMediaType[];
  };
  /** Statuses this operation answers besides the ones every route of its kind may (see document.ts). */
  errors?: readonly number[];
}

const id = (what: string) => ({ schema: Identifier, description: what });

/** One entry per policy rule, keyed `METHOD /pattern`; the document test fails when one is missing. */
export const OPERATIONS: Record<string, OperationDoc> = {
  'GET /health': {
    summary: 'Network health: the gateway and a probe of every upstream node',
    description: 'Answers 503 (with the same body) when no validator is up.',
    success: { status: 200, description: 'up or degraded', schema: 'NetworkHealth' },
    errors: [503],
  },
  'GET /info': {
    summary: 'Gateway name, version, chain id, API prefix and upstream pools',
    success: { status: 200, description: 'gateway information', schema: 'GatewayInfo' },
  },
  'GET /stats': {
    summary: 'Proxied requests and errors per pool, and the health of each upstream',
    success: { status: 200, description: 'counters since start-up', schema: 'GatewayStats' },
  },
  'GET /openapi.json': {
    summary: 'This document',
    success: { status: 200, description: 'OpenAPI 3.1 document', schema: null },
  },
  'GET /docs': {
    summary: 'Interactive API docs: Swagger UI on this document, served by the gateway itself',
    success: { status: 200, description: 'the docs page', schema: null, contentType: 'text/html' },
  },
  'GET /docs/assets/:file': {
    summary: 'A script or stylesheet of the docs page',
    params: { file: { schema: z.enum(DOCS_ASSET_NAMES), description: 'asset name' } },
    success: { status: 200, description: 'the asset (cacheable; revalidate with its ETag)', schema: null, contentType: ['text/javascript', 'text/css'] },
    errors: [404],
  },
  'POST /auth/keys': {
    summary: 'Issue an API key for a role',
    description: 'The secret is in this answer only; the gateway keeps its HMAC-SHA256 under a server-side pepper.',
    body: 'IssueKeyBody',
    success: { status: 201, description: 'the new key', schema: 'IssuedKey' },
  },
  'DELETE /auth/keys/:id': {
    summary: 'Revoke an API key',
    description: 'The key answers 401 from the next request on. Revocation is final. The last active admin key cannot be revoked (409): issue another admin key first.',
    params: { id: id('key id (the `id` of the issued key)') },
    success: { status: 200, description: 'the key id and when it was revoked', schema: null },
    errors: [404, 409],
  },
  'GET /consensus/status': {
    summary: 'Leader, term, height and members of the validator set',
    success: { status: 200, description: 'consensus status of the answering validator', schema: 'ConsensusStatus' },
  },
  'GET /consensus/blocks/:height': {
    summary: 'A block with its transactions, every signature the answering node knows, and its finality',
    description: 'Final once valid signatures of a majority of the voters are known (`finality.required` of them); learners never sign.',
    params: { height: { schema: z.int().min(0), description: 'block height' } },
    success: { status: 200, description: 'the block', schema: 'BlockWithFinality' },
    errors: [404],
  },
  'POST /external/feeds': {
    summary: 'Register a feed: category, source adapter and parameters, schedule, asset',
    description: 'A push feed names a device registered by the same provider for the same asset (source.params.deviceId); its key verifies the readings.',
    body: 'FeedRegistration',
    success: { status: 201, description: 'the registered feed', schema: 'FeedCreated' },
  },
  'GET /external/feeds': {
    summary: "The caller's feeds with their status",
    success: { status: 200, description: 'feeds', schema: 'FeedList' },
  },
  'GET /external/feeds/:id': {
    summary: 'Feed status: last observation, quality statistics',
    params: { id: id('feed id') },
    success: { status: 200, description: 'the feed', schema: 'Feed' },
    errors: [404],
  },
  'PATCH /external/feeds/:id': {
    summary: 'Pause or resume a feed, change its schedule or quality settings',
    params: { id: id('feed id') },
    body: 'FeedPatch',
    success: { status: 200, description: 'the updated feed', schema: 'Feed' },
    errors: [404],
  },
  'POST /external/feeds/:id/test': {
    summary: 'Dry run: fetch once and return the quality report, publish nothing',
    params: { id: id('feed id') },
    success: { status: 200, description: 'the observation and its quality report (shape owned by the slim worker)', schema: null },
    errors: [404],
  },
  'POST /external/feeds/:id/observations': {
    summary: 'Push mode (IoT): submit signed readings and get their quality reports back',
    params: { id: id('feed id') },
    body: 'PushBody',
    success: { status: 200, description: 'one quality report per reading (shape owned by the slim worker)', schema: null },
    errors: [404, 409],
  },
  'POST /external/devices': {
    summary: 'Register an IoT device for an asset',
    description: 'The answer carries the device’s HMAC key, shown once; the device signs each reading with it. 409 when the id is taken.',
    body: 'DeviceRegistration',
    success: { status: 201, description: 'the registered device with its key', schema: 'DeviceCreated' },
    errors: [409],
  },
  'GET /external/devices': {
    summary: "The caller's devices, revoked ones included",
    success: { status: 200, description: 'devices', schema: 'DeviceList' },
  },
  'GET /external/devices/:id': {
    summary: 'One device (never its key)',
    params: { id: id('device id') },
    success: { status: 200, description: 'the device', schema: 'Device' },
    errors: [404],
  },
  'DELETE /external/devices/:id': {
    summary: 'Revoke a device: its readings fail verification from now on',
    description: 'The device stays listed with its revokedAt; revoking again keeps the first instant.',
    params: { id: id('device id') },
    success: { status: 200, description: 'the revoked device', schema: 'Device' },
    errors: [404],
  },
  'POST /external/webhooks/easypost/:feedId': {
    summary: 'EasyPost tracker events for an easypost-tracker feed (the webhook URL to give EasyPost)',
    description:
      'No API key: the body is an EasyPost Event, authenticated by X-Hmac-Signature (hmac-sha256-hex= HMAC-SHA256 of the raw body under the feed\'s webhookSecret, NFKD-normalized). ' +
      'tracker.created and tracker.updated are evaluated (200 with the quality report); other events are acknowledged with 202 and ignored. ' +
      'A missing or wrong signature is 401 and nothing is recorded; an event for another tracking code is 400.',
    params: { feedId: id('feed id') },
    headers: { 'x-hmac-signature': { schema: z.string().regex(/^hmac-sha256-hex=[0-9a-f]{64}$/), description: "EasyPost's signature of the raw body" } },
    success: { status: 200, description: 'the evaluated observation and its quality report (shape owned by the slim worker)', schema: null },
    errors: [400, 401, 404, 409, 413],
  },
  'GET /reviews': {
    summary: 'The review queue, with each item’s quality checks',
    query: ReviewListQuery,
    success: { status: 200, description: 'review items', schema: 'ReviewList' },
  },
  'GET /reviews/audit': {
    summary: 'The audit trail: the newest reviewer decisions across the queue, with who decided and why',
    query: ReviewAuditQuery,
    success: { status: 200, description: 'decisions, newest first', schema: 'ReviewAuditTrail' },
  },
  'GET /reviews/:id/context': {
    summary: 'What a review item is weighed against: its feed’s recent values and the other sources of its asset',
    params: { id: { schema: z.string().min(1), description: 'review id' } },
    success: { status: 200, description: 'history and other sources', schema: 'ReviewContext' },
    errors: [404],
  },
  'GET /reviews/:id': {
    summary: 'One review item with its checks and audit trail',
    params: { id: { schema: z.string().min(1), description: 'review id' } },
    success: { status: 200, description: 'the review item', schema: 'ReviewItem' },
    errors: [404],
  },
  'POST /reviews/:id/decision': {
    summary: 'Approve or reject a review item, with a reason (recorded in the audit trail)',
    params: { id: { schema: z.string().min(1), description: 'review id' } },
    body: 'ReviewDecisionBody',
    success: { status: 200, description: 'the decided review item', schema: 'ReviewItem' },
    errors: [404, 409],
  },
  'GET /channels': {
    summary: 'The tokenization channels',
    success: { status: 200, description: 'channel list (shape owned by the ledger nodes)', schema: null },
  },
  'GET /channels/:name/events': {
    summary: 'Committed events of a channel as server-sent events',
    description: 'Each event’s `data` is a CommittedEvent and its `id` the sequence; reconnect with Last-Event-ID to resume.',
    params: { name: { schema: z.string().min(1), description: 'channel name (a data category)' } },
    headers: { 'Last-Event-ID': { schema: z.string(), description: 'resume after this event' } },
    success: { status: 200, description: 'event stream of CommittedEvent', schema: 'CommittedEvent', contentType: 'text/event-stream' },
    // 429: this key has its share of open streams; 503 (as on every proxied route) also when every stream slot is taken.
    errors: [404, 429],
  },
  'POST /transaction': {
    summary: 'Submit a signed user transaction (register asset, mint, transfer, burn, retire), or up to 64 as {transactions}',
    description:
      'The ML-DSA signature covers the domain tag and the canonical JSON of the transaction without `signature` (README, "The ledger"). One transaction: 200 committed, 202 pending, or its error; a batch: 200 with one result each.',
    body: 'SubmitTransaction',
    success: { status: 200, description: 'committed (202: still pending)', schema: 'SubmitTransactionAnswer' },
    errors: [401, 409, 413, 422],
  },
  'GET /transaction/:hash': {
    summary: 'A transaction’s status, block and inclusion proof',
    params: { hash: { schema: Hash32, description: 'transaction hash' } },
    success: { status: 200, description: 'the receipt', schema: 'TransactionReceipt' },
    errors: [404],
  },
  'GET /state/assets/:id': {
    summary: 'Ledger state of an asset',
    params: { id: id('asset id') },
    success: { status: 200, description: 'the asset (shape owned by the ledger)', schema: null },
    errors: [404],
  },
  'GET /state/accounts/:id': {
    summary: 'An account (hex SHA-256 of its ML-DSA key): its next nonce, balances and retired units',
    params: { id: { schema: Hash32, description: 'account id' } },
    success: { status: 200, description: 'the account', schema: 'AccountState' },
  },
  'GET /query/attestations/:feedId/latest': {
    summary: 'Latest attested value with quality, block height, Merkle proof and block signatures',
    params: { feedId: id('feed id') },
    success: { status: 200, description: 'the attestation', schema: 'Attestation' },
    errors: [404],
  },
};
