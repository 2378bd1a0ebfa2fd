import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DOCS_INIT_JS } from './page.ts';

export interface DocsAsset {
  contentType: string;
  body: Uint8Array<ArrayBuffer>;
  /** Strong validator for conditional requests: a hash of the body. */
  etag: string;
}

type AssetSource = { kind: 'swagger-ui-dist'; file: string } | { kind: 'text'; text: string };

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/**
 * The only files the docs page serves, by the name in its URL. A request names an entry of this
 * table, never a path: nothing else on disk can be reached through it.
 */
const ASSETS = {
  'swagger-ui.css': { contentType: CSS, source: { kind: 'swagger-ui-dist', file: 'swagger-ui.css' } },
  'swagger-ui-bundle.js': { contentType: JS, source: { kind: 'swagger-ui-dist', file: 'swagger-ui-bundle.js' } },
  'docs-init.js': { contentType: JS, source: { kind: 'text', text: DOCS_INIT_JS } },
} as const satisfies Record<string, { contentType: string; source: AssetSource }>;

export type DocsAssetName = keyof typeof ASSETS;
export const DOCS_ASSET_NAMES = Object.keys(ASSETS) as [DocsAssetName, ...DocsAssetName[]];

export const isDocsAssetName = (name: string): name is DocsAssetName => Object.hasOwn(ASSETS, name);

/**
 * Reads each asset once, on first use (about 2 MB, mostly the Swagger UI bundle), and keeps it
 * in memory; a gateway whose docs are never opened never reads them.
 */
export function createDocsAssets(): (name: DocsAssetName) => Promise<DocsAsset> {
  const loaded = new Map<DocsAssetName, Promise<DocsAsset>>();
  return (name) => {
    let asset = loaded.get(name);
    if (asset === undefined) {
      asset = load(name);
      // A failed read is not cached: the next request tries again.
      asset.catch(() => loaded.delete(name));
      loaded.set(name, asset);
    }
    return asset;
  };
}

async function load(name: DocsAssetName): Promise<DocsAsset> {
  const { contentType, source } = ASSETS[name];
  const body =
    source.kind === 'text'
      ? new TextEncoder().encode(source.text)
      : new Uint8Array(await readFile(fileURLToPath(import.meta.resolve(`swagger-ui-dist/${source.file}`))));
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { contentType, body, etag };
}
