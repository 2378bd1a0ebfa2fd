import type { IssuedKey, Role } from '../../schemas/index.ts';
import { AppError } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/logger.ts';
import { generateApiKey, generateKeyId, hashApiKey } from './api-key.ts';
import type { KeyStore } from './key-store.ts';

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
    private readonly now: () => Date = () => new Date(),
  ) {}

  async issue(role: Role, label: string): Promise<IssuedKey> {
    return this.register(generateApiKey(), role, label);
  }

  /** Stores a key whose secret the caller already has (the configured admin key). */
  async register(secret: string, role: Role, label: string): Promise<IssuedKey> {
    const createdAt = this.now();
    const id = generateKeyId();
    const inserted = await this.store.insert({ id, role, label, secretHash: hashApiKey(secret), createdAt });
    // 256 random bits never collide; a collision means this exact secret was stored before.
    if (!inserted) throw new AppError('CONFLICT', 'this key is registered already');
    return { id, role, label, key: secret, createdAt: createdAt.toISOString() };
  }

  revoke(id: string): Promise<boolean> {
    return this.store.revoke(id, this.now());
  }

  /** The key's principal, or null for an unknown or revoked key (the caller cannot tell which: both are 401). */
  async authenticate(secret: string): Promise<KeyPrincipal | null> {
    const stored = await this.store.findBySecretHash(hashApiKey(secret));
    if (stored === null || stored.revokedAt !== null) return null;
    return { id: stored.id, role: stored.role };
  }

  /**
   * Makes sure someone can administer the network. A configured key (ADMIN_API_KEY) is stored if
   * missing; without one, a key is generated when no admin key exists and logged once, since
   * this is the only time its secret is known.
   */
  async bootstrapAdmin(configuredKey: string | undefined, logger: Logger): Promise<void> {
    if (configuredKey !== undefined) {
      const existing = await this.store.findBySecretHash(hashApiKey(configuredKey));
      if (existing === null) {
        const inserted = await this.store.insert({
          id: generateKeyId(),
          role: 'admin',
          label: BOOTSTRAP_ADMIN_LABEL,
          secretHash: hashApiKey(configuredKey),
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
