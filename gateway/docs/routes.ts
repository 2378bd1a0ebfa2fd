import type { Handler } from 'hono';
import { AppError } from '../../runtime/errors.ts';
import type { GatewayEnv } from '../env.ts';
import { createDocsAssets, isDocsAssetName } from './assets.ts';
import { DOCS_ASSETS_PATH, DOCS_PAGE_HTML, DOCS_PAGE_PATH } from './page.ts';

/** Assets are revalidated daily; the ETag makes that a 304 until the gateway's Swagger UI changes. */
const ASSET_CACHE_CONTROL = 'public, max-age=86400';

/** The docs page and its assets, which get their own content security policy (see app.ts). */
export const isDocsPath = (path: string) => path === DOCS_PAGE_PATH || path.startsWith(`${DOCS_ASSETS_PATH}/`);

/** `GET /docs` (public): Swagger UI on the OpenAPI document. */
export const docsPageHandler: Handler<GatewayEnv> = (c) =>
  // no-cache: the page is small, and must follow the asset names of the running gateway.
  c.body(DOCS_PAGE_HTML, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });

/** `GET /docs/assets/:file` (public): one file of the allowlist in assets.ts, from memory. */
export function docsAssetHandler(): Handler<GatewayEnv> {
  const assets = createDocsAssets();
  return async (c) => {
    const name = c.get('route').params.file ?? '';
    if (!isDocsAssetName(name)) throw new AppError('NOT_FOUND', 'no such docs asset');
    const asset = await assets(name);
    const headers = { etag: asset.etag, 'cache-control': ASSET_CACHE_CONTROL };
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, headers);
    return c.body(asset.body, 200, { ...headers, 'content-type': asset.contentType });
  };
}
