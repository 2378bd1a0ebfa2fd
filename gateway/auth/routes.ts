import type { Handler } from 'hono';
import { readJson } from '../../runtime/http.ts';
import { IssueKeyBody, type IssuedKey } from '../../schemas/index.ts';
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
