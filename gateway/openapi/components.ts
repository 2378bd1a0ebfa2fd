import { z } from 'zod';
import {
  Attestation,
  Block,
  BlockWithFinality,
  BlockWithTransactions,
  ChannelEvent,
  CommittedEvent,
  ConsensusStatus,
  Device,
  DeviceCreated,
  DeviceList,
  DeviceRegistration,
  ErrorBody,
  Feed,
  FeedCreated,
  FeedPatch,
  FeedRegistration,
  GatewayInfo,
  GatewayStats,
  IssueKeyBody,
  IssuedKey,
  MerkleProof,
  NetworkHealth,
  Observation,
  PushBody,
  QualityReport,
  ReviewAuditRecord,
  ReviewContext,
  ReviewDecisionBody,
  ReviewItem,
  SubmitTransactionsBody,
  SubmitTransactionsResult,
  AccountState,
  Transaction,
  TransactionReceipt,
  TransactionSubmission,
  UserTransaction,
  ValidatorIdentity,
} from '../../schemas/index.ts';

/** What clients send: described as zod parses them (defaults optional, coercions accepted). */
export const REQUEST_SCHEMAS = {
  FeedRegistration,
  FeedPatch,
  PushBody,
  DeviceRegistration,
  ReviewDecisionBody,
  IssueKeyBody,
  /** One signed user transaction, or a batch of them. */
  SubmitTransaction: z.union([UserTransaction, SubmitTransactionsBody]),
} as const;
export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;

/**
 * What the API answers: described as zod outputs them (defaults filled in). Shared parts
 * (observations, blocks, transactions) are named too, so each appears once and is referenced.
 */
export const RESPONSE_SCHEMAS = {
  ErrorBody,
  Observation,
  QualityReport,
  ChannelEvent,
  CommittedEvent,
  Transaction,
  MerkleProof,
  Block,
  ValidatorIdentity,
  BlockWithTransactions,
  BlockWithFinality,
  ConsensusStatus,
  TransactionReceipt,
  /** One transaction: where it stands; a batch: one result per transaction. */
  SubmitTransactionAnswer: z.union([TransactionSubmission, SubmitTransactionsResult]),
  AccountState,
  Attestation,
  Feed,
  FeedCreated,
  FeedList: z.array(Feed),
  Device,
  DeviceCreated,
  DeviceList,
  ReviewItem,
  ReviewList: z.array(ReviewItem),
  ReviewContext,
  ReviewAuditTrail: z.object({ audit: z.array(ReviewAuditRecord) }),
  NetworkHealth,
  GatewayInfo,
  GatewayStats,
  IssuedKey,
} as const;
export type ResponseSchemaName = keyof typeof RESPONSE_SCHEMAS;

export const componentRef = (name: RequestSchemaName | ResponseSchemaName) => ({ $ref: `#/components/schemas/${name}` });

export type JsonSchema = Record<string, unknown>;

/** JSON Schema draft 2020-12, the dialect of OpenAPI 3.1, straight from the zod schemas. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return stripDocumentKeys(z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }));
}

/** components.schemas: both registries converted, with references between named schemas as `$ref`s. */
export function buildComponentSchemas(): Record<string, JsonSchema> {
  const requests = convert(REQUEST_SCHEMAS, 'input');
  const responses = convert(RESPONSE_SCHEMAS, 'output');
  for (const name of Object.keys(requests)) {
    if (name in responses) throw new Error(`component ${name} is both a request and a response schema`);
  }
  return { ...requests, ...responses };
}

function convert(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const converted = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(Object.entries(converted.schemas).map(([id, s]) => [id, stripDocumentKeys(s)]));
}

/** `$schema` and `$id` belong to standalone documents; inside components they would re-base every `$ref`. */
function stripDocumentKeys(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}
