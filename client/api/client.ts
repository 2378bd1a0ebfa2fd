import type { z } from 'zod';
import {
  Attestation,
  BlockWithFinality,
  ConsensusStatus,
  DeviceCreated,
  DeviceRegistration,
  Feed,
  FeedCreated,
  FeedPatch,
  FeedRegistration,
  Hash32,
  Identifier,
  IssueKeyBody,
  IssuedKey,
  PushBody,
  AccountState,
  TransactionReceipt,
  TransactionSubmission,
  UserTransaction,
  type Category,
  type CommittedEvent,
  type PushReading,
} from '../../schemas/index.ts';
import type { KnownValidator } from '../verify/index.ts';
import { ApiError } from './errors.ts';
import { Http, type HttpOptions } from './http.ts';
import { ChannelList, DeviceList, FeedList, PushResults, type ChannelSummary, type PushResult } from './responses.ts';
import { tailChannel, type TailOptions } from './tail.ts';

export type ClientOptions = HttpOptions;

/**
 * The public API for providers and dApps, typed: bodies are checked before they are sent (a bad one
 * never leaves), answers are parsed with the schemas, and every failure is an ApiError with the
 * server's code and message.
 */
export class OracleClient {
  private readonly http: Http;

  constructor(options: ClientOptions) {
    this.http = new Http(options);
  }

  /** The API root every call goes to. */
  get url(): string {
    return this.http.root;
  }

  /** Admin: a new API key for a role; its secret is in this answer only. */
  async issueKey(body: IssueKeyBody): Promise<IssuedKey> {
    return this.http.json('POST', '/auth/keys', IssuedKey, checked(IssueKeyBody, body, 'key request'));
  }

  // Providers: feeds, devices, pushed readings.

  async registerFeed(registration: z.input<typeof FeedRegistration>): Promise<FeedCreated> {
    return this.http.json('POST', '/external/feeds', FeedCreated, checked(FeedRegistration, registration, 'feed registration'));
  }

  async listFeeds(): Promise<Feed[]> {
    return (await this.http.json('GET', '/external/feeds', FeedList)).feeds;
  }

  async feed(id: string): Promise<Feed> {
    return this.http.json('GET', `/external/feeds/${segment(Identifier, id, 'feed id')}`, Feed);
  }

  async updateFeed(id: string, patch: z.input<typeof FeedPatch>): Promise<Feed> {
    return this.http.json('PATCH', `/external/feeds/${segment(Identifier, id, 'feed id')}`, Feed, checked(FeedPatch, patch, 'feed change'));
  }

  async registerDevice(registration: DeviceRegistration): Promise<DeviceCreated> {
    return this.http.json('POST', '/external/devices', DeviceCreated, checked(DeviceRegistration, registration, 'device registration'));
  }

  async listDevices(): Promise<z.infer<typeof DeviceList>['devices']> {
    return (await this.http.json('GET', '/external/devices', DeviceList)).devices;
  }

  /** Readings of a push feed, each with its quality report back (sign them with `signReading`). */
  async pushReadings(feedId: string, readings: PushReading[]): Promise<PushResult[]> {
    const path = `/external/feeds/${segment(Identifier, feedId, 'feed id')}/observations`;
    return (await this.http.json('POST', path, PushResults, checked(PushBody, { readings }, 'readings'))).results;
  }

  // dApps: channels, transactions, attestations, blocks.

  async channels(): Promise<ChannelSummary[]> {
    return (await this.http.json('GET', '/channels', ChannelList)).channels;
  }

  /** Committed events of a channel as they are committed; resumable with `after` (an event's `sequence`). */
  tail(channel: Category, options: TailOptions = {}): AsyncGenerator<CommittedEvent> {
    return tailChannel(this.http, channel, options);
  }

  /** A transaction's status; once committed, with its block (header and signatures) and Merkle proof. */
  async transaction(hash: string): Promise<TransactionReceipt> {
    return this.http.json('GET', `/transaction/${segment(Hash32, hash, 'transaction hash')}`, TransactionReceipt);
  }

  /**
   * Submits a signed user transaction (sign it with `signTransaction` of schemas/transaction-signing.ts):
   * committed with its place, or still pending; a refusal is an ApiError with the ledger's code.
   */
  async submitTransaction(tx: UserTransaction): Promise<TransactionSubmission> {
    return this.http.json('POST', '/transaction', TransactionSubmission, checked(UserTransaction, tx, 'transaction'));
  }

  /** An account's next nonce, balances and retired units, by account id (SHA-256 of its public key). */
  async account(id: string): Promise<AccountState> {
    return this.http.json('GET', `/state/accounts/${segment(Hash32, id, 'account id')}`, AccountState);
  }

  /** A feed's latest attested value with its event, block, proof and the answering node's validator keys. */
  async latestAttestation(feedId: string): Promise<Attestation> {
    return this.http.json('GET', `/query/attestations/${segment(Identifier, feedId, 'feed id')}/latest`, Attestation);
  }

  async status(): Promise<ConsensusStatus> {
    return this.http.json('GET', '/consensus/status', ConsensusStatus);
  }

  async block(height: number): Promise<BlockWithFinality> {
    if (!Number.isSafeInteger(height) || height < 0) throw new ApiError('INVALID_INPUT', `a block height is a non-negative integer, got ${height}`, 0);
    return this.http.json('GET', `/consensus/blocks/${height}`, BlockWithFinality);
  }

  /**
   * The voters as the answering node knows them, with their keys: a starting point for the set a
   * dApp pins (trust on first use). Verification is only as good as the set: pin it from a source
   * you trust (configuration, several nodes agreeing), not from each answer.
   */
  async validators(): Promise<KnownValidator[]> {
    const status = await this.status();
    // A node may briefly list one voter under two member ids (while it learns the voter's id): once each.
    const byNode = new Map<string, KnownValidator>();
    for (const m of status.members) {
      if (m.role === 'voter' && m.nodeId !== undefined && m.publicKey !== undefined && m.algorithm !== undefined && !byNode.has(m.nodeId)) {
        byNode.set(m.nodeId, { nodeId: m.nodeId, algorithm: m.algorithm, publicKey: m.publicKey });
      }
    }
    return [...byNode.values()];
  }
}

/** A body checked against its schema before it is sent: the caller hears what is wrong without a round trip. */
function checked<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first === undefined || first.path.length === 0 ? '' : ` at ${first.path.join('.')}`;
    throw new ApiError('INVALID_INPUT', `invalid ${what}${where}: ${first?.message ?? 'does not match the schema'}`, 0, parsed.error.issues);
  }
  return parsed.data;
}

/** A path segment that is what the API expects, so a stray `/` or `..` never changes the route. */
function segment<S extends z.ZodType<string>>(schema: S, value: string, what: string): string {
  return encodeURIComponent(checked(schema, value, what));
}

