import type { Handler } from 'hono';
import type { GatewayEnv } from '../env.ts';
import { buildOpenApiDocument, type DocumentInfo } from './document.ts';

/** `GET /openapi.json` (public). The document is built once: it depends only on code. */
export function openApiHandler(info: DocumentInfo): Handler<GatewayEnv> {
  let body: string | undefined;
  return (c) => {
    body ??= JSON.stringify(buildOpenApiDocument(info));
    return c.body(body, 200, { 'content-type': 'application/json; charset=utf-8' });
  };
}
