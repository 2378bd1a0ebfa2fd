import { pino } from 'pino';
import { ChannelEvent, CHECK_NAMES, type Decision, type Transaction } from '../../schemas/index.ts';
import { createSigner, type NodeSigner } from '../../consensus/crypto/signer.ts';
import { SingleNodeConsensus, type SingleNodeOptions } from '../../consensus/node/single-node.ts';
import { ConsensusRepository } from '../../consensus/storage/repository.ts';
import type { Database } from '../../db/client.ts';

export const silentLogger = pino({ level: 'silent' });

export interface EventOptions {
  id?: string;
  feedId?: string;
  assetId?: string;
  value?: number;
  observedAt?: string;
  decision?: Decision;
  approved?: boolean;
}

/** A schema-valid weather channel event; every test names only what it cares about. */
export function weatherEvent(options: EventOptions = {}): ChannelEvent {
  const feedId = options.feedId ?? 'feed-berlin';
  const assetId = options.assetId ?? 'asset-berlin-weather';
  const observedAt = options.observedAt ?? '2026-01-01T12:00:00.000Z';
  const value = options.value ?? 21.5;
  const decision = options.decision ?? 'accepted';
  const score = decision === 'accepted' ? 0.93 : decision === 'review' ? 0.7 : 0.4;
  return ChannelEvent.parse({
    id: options.id ?? `evt-${feedId}-${observedAt}`,
    channel: 'weather',
    feedId,
    assetId,
    observation: {
      category: 'weather',
      feedId,
      assetId,
      observedAt,
      receivedAt: observedAt,
      value,
      unit: '°C',
      source: { adapter: 'open-meteo', url: 'https://api.open-meteo.com/v1/forecast', authentication: 'registered_endpoint' },
      data: { latitude: 52.52, longitude: 13.41, timezone: 'UTC', temperatureC: value },
    },
    quality: {
      category: 'weather',
      checks: [
        ...CHECK_NAMES.map((check) => ({ check, score, reason: 'fixture' })),
        { check: 'quality_score', score, reason: 'weighted' },
      ],
      score,
      decision,
      weights: Object.fromEntries(CHECK_NAMES.map((c) => [c, 1])),
      thresholds: { accept: 0.8, review: 0.6 },
      evaluatedAt: observedAt,
    },
    ...(options.approved === true
      ? { approval: { reviewId: 'rev-1', reviewer: 'alice', reason: 'checked by hand', decidedAt: observedAt } }
      : {}),
    publishedAt: observedAt,
  });
}

export const attest = (event: ChannelEvent): Transaction => ({ type: 'attest', event });

/** Distinct, in-order observation times: minute `n` of one hour. */
export const minute = (n: number): string => new Date(Date.UTC(2026, 0, 1, 12, n)).toISOString();

const signers = new Map<string, NodeSigner>();
/** Key generation costs tens of milliseconds: one signer per seed byte per test file. */
export function testSigner(seedByte = 7): NodeSigner {
  const key = String(seedByte);
  let signer = signers.get(key);
  if (signer === undefined) {
    signer = createSigner('ml_dsa87', new Uint8Array(32).fill(seedByte));
    signers.set(key, signer);
  }
  return signer;
}

export const NODE_DEFAULTS = { chainId: 'test-chain', blockIntervalMs: 10, blockTxsMax: 100, mempoolTxsMax: 1_000 } as const;

/** A single-node consensus over an open database, with test-sized limits. */
export function startConsensus(
  db: Database,
  overrides: Partial<Omit<SingleNodeOptions, 'repository' | 'logger'>> = {},
): Promise<SingleNodeConsensus> {
  return SingleNodeConsensus.start({
    repository: new ConsensusRepository(db),
    signer: testSigner(),
    logger: silentLogger,
    ...NODE_DEFAULTS,
    ...overrides,
  });
}
