import type { Handler } from 'hono';
import { AppError } from '../../runtime/errors.ts';
import { readJson, readParam } from '../../runtime/http.ts';
import { Identifier, IssueKeyBody, type IssuedKey } from '../../schemas/index.ts';
import type { GatewayEnv } from '../env.ts';
import type { ApiKeyService } from './key-service.ts';

/** `POST /auth/keys` (admin): the new key's secret is in this answer and nowhere else. */
export function issueKeyHandler(keys: ApiKeyService): Handler<GatewayEnv> {
  return async (c) => {
    const body = await readJson(c, IssueKeyBody);
    const issued: IssuedKey = await keys.issue(body.role, body.label);
    // The secret must not linger in shared caches.
    c.header('Cache-Control', 'no-store');
    return c.json(issued, 201);
  };
}

const KeyIdParam = Identifier;

/** `DELETE /auth/keys/:id` (admin): the key answers 401 from the next request on. */
export function revokeKeyHandler(keys: ApiKeyService): Handler<GatewayEnv> {
  return async (c) => {
    const id = readParam(c, 'id', KeyIdParam);
    const revoked = await keys.revoke(id);
    if (revoked === null) throw new AppError('NOT_FOUND', `no active API key ${id}`);
    return c.json({ id, revokedAt: revoked.toISOString() }, 200);
  };
}
