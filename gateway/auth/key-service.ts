import type { IssuedKey, Role } from '../../schemas/index.ts';
import { AppError } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/logger.ts';
import { constantTimeEqual } from '../../runtime/constant-time.ts';
import { generateApiKey, generateKeyId, hashApiKey, isPepperedHash, legacyHashApiKey } from './api-key.ts';
import type { KeyStore, StoredKey } from './key-store.ts';
import type { PrincipalCache } from './principal-cache.ts';

/** Who is calling, as established from their API key. */
export interface KeyPrincipal {
  id: string;
  role: Role;
}

export const BOOTSTRAP_ADMIN_LABEL = 'bootstrap admin';

/** Issuing, revoking and checking API keys, over any KeyStore. */
export class ApiKeyService {
  constructor(
    private readonly store: KeyStore,
    /** The secret of the stored HMACs (GATEWAY_KEY_PEPPER, or the one kept in storage). */
    private readonly pepper: string,
    private readonly now: () => Date = () => new Date(),
    /** Null: every request asks storage. */
    private readonly cache: PrincipalCache | null = null,
  ) {}

  /**
   * Lookups in flight by secret: concurrent first requests of one key share one storage query.
   * Bounded by the requests in flight; each entry leaves when its lookup settles.
   */
  private readonly verifying = new Map<string, Promise<KeyPrincipal | null>>();
  /** Bumped by every revocation: a lookup that started before one may have read the key as live, so it is not cached. */
  private revocations = 0;

  async issue(role: Role, label: string): Promise<IssuedKey> {
    return this.register(generateApiKey(), role, label);
  }

  /** Stores a key whose secret the caller already has (the configured admin key). */
  async register(secret: string, role: Role, label: string): Promise<IssuedKey> {
    const createdAt = this.now();
    const id = generateKeyId();
    const inserted = await this.store.insert({ id, role, label, secretHash: this.hash(secret), createdAt });
    // 256 random bits never collide; a collision means this exact secret was stored before.
    if (!inserted) throw new AppError('CONFLICT', 'this key is registered already');
    return { id, role, label, key: secret, createdAt: createdAt.toISOString() };
  }

  /**
   * When the key was revoked; null when it is unknown or was revoked before. It stops working on this
   * gateway at once. The last active admin key is refused (CONFLICT).
   */
  async revoke(id: string): Promise<Date | null> {
    const revokedAt = await this.store.revoke(id, this.now());
    this.revocations++;
    this.cache?.forgetKey(id);
    return revokedAt;
  }

  /**
   * The key's principal, or null for an unknown or revoked key (the caller cannot tell which: both are 401).
   * A key verified within the cache's TTL is answered from memory.
   */
  authenticate(secret: string): Promise<KeyPrincipal | null> {
    const cached = this.cache?.get(secret);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.verifying.get(secret);
    if (pending !== undefined) return pending;
    const verification = this.verify(secret).finally(() => this.verifying.delete(secret));
    this.verifying.set(secret, verification);
    return verification;
  }

  private async verify(secret: string): Promise<KeyPrincipal | null> {
    const revocationsBefore = this.revocations;
    const stored = await this.find(secret);
    if (stored === null || stored.revokedAt !== null) return null;
    if (!isPepperedHash(stored.secretHash)) await this.store.replaceSecretHash(stored.id, stored.secretHash, this.hash(secret));
    const principal: KeyPrincipal = { id: stored.id, role: stored.role };
    if (this.revocations === revocationsBefore) this.cache?.set(secret, principal);
    return principal;
  }

  private hash(secret: string): string {
    return hashApiKey(secret, this.pepper);
  }

  /**
   * The key stored for this secret, under the peppered hash or (keys stored before the pepper)
   * the bare SHA-256. The lookup is by hash, which tells a timing observer nothing about the
   * secret; the stored value is still compared in constant time, so a store that matched by
   * anything looser (a prefix, a case-folded value) could not admit a wrong key.
   */
  private async find(secret: string): Promise<StoredKey | null> {
    const candidates = [this.hash(secret), legacyHashApiKey(secret)];
    const stored = await this.store.findBySecretHash(candidates);
    if (stored === null) return null;
    const matches = candidates.reduce((any, hash) => constantTimeEqual(hash, stored.secretHash) || any, false);
    return matches ? stored : null;
  }

  /**
   * Makes sure someone can administer the network. A configured key (ADMIN_API_KEY) is stored if
   * missing; without one, a key is generated when no admin key exists and logged once, since
   * this is the only time its secret is known.
   */
  async bootstrapAdmin(configuredKey: string | undefined, logger: Logger): Promise<void> {
    if (configuredKey !== undefined) {
      const existing = await this.find(configuredKey);
      if (existing === null) {
        const inserted = await this.store.insert({
          id: generateKeyId(),
          role: 'admin',
          label: BOOTSTRAP_ADMIN_LABEL,
          secretHash: this.hash(configuredKey),
          createdAt: this.now(),
        });
        // Not inserted: another gateway sharing this database stored it first, which is as good.
        if (inserted) logger.info('stored the configured ADMIN_API_KEY as the bootstrap admin key');
      } else if (existing.revokedAt !== null) {
        // Revocation is deliberate; configuration must not silently undo it.
        logger.warn({ keyId: existing.id }, 'the configured ADMIN_API_KEY has been revoked and stays revoked');
      }
      return;
    }
    if ((await this.store.countActive('admin')) > 0) return;
    const issued = await this.issue('admin', BOOTSTRAP_ADMIN_LABEL);
    logger.warn({ keyId: issued.id }, `bootstrap admin key: ${issued.key}`);
  }
}
