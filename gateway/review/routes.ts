import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Handler } from 'hono';
import { AppError } from '../../runtime/errors.ts';
import type { GatewayEnv } from '../env.ts';

/** The reviewer page: plain ES modules and CSS from web/review/, served as they are (no build step). */
export const REVIEW_PAGE_PATH = '/review';

const WEB_DIR = new URL('../../web/review/', import.meta.url);

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/**
 * The only files the page serves, by the name in its URL: a request names an entry of this table,
 * never a path, so nothing else on disk can be reached through it.
 */
const FILES: Readonly<Record<string, string>> = {
  'index.html': HTML,
  'style.css': CSS,
  'app.js': JS,
  'api.js': JS,
  'chart.js': JS,
  'render.js': JS,
};

/** The page and its files, which get their own content security policy (see app.ts). */
export const isReviewPath = (path: string): boolean => path === REVIEW_PAGE_PATH || path.startsWith(`${REVIEW_PAGE_PATH}/`);

interface LoadedFile {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  contentType: string;
}

/**
 * `GET /review` and `GET /review/:file` (public: the page holds no data; every read it makes
 * carries the reviewer's key). Files are read once and kept (a few KB); revalidated by ETag, so
 * an edited file shows on the next load after a restart.
 */
export function reviewPageHandler(): Handler<GatewayEnv> {
  const loaded = new Map<string, Promise<LoadedFile>>();
  const load = (name: string, contentType: string): Promise<LoadedFile> => {
    let file = loaded.get(name);
    if (file === undefined) {
      file = readFile(new URL(name, WEB_DIR)).then((bytes) => {
        const body = new Uint8Array(bytes);
        return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
      });
      // A failed read is not cached: the next request tries again.
      file.catch(() => loaded.delete(name));
      loaded.set(name, file);
    }
    return file;
  };
  return async (c) => {
    const name = c.req.path === REVIEW_PAGE_PATH ? 'index.html' : c.req.path.slice(REVIEW_PAGE_PATH.length + 1);
    const contentType = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    if (contentType === undefined) throw new AppError('NOT_FOUND', `the reviewer page has no file ${name}`);
    const file = await load(name, contentType);
    const headers = { etag: file.etag, 'cache-control': 'no-cache' };
    if (c.req.header('if-none-match') === file.etag) return c.body(null, 304, headers);
    return c.body(file.body, 200, { ...headers, 'content-type': file.contentType });
  };
}
