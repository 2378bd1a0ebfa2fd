import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support.ts';

/** A GET with the path sent exactly as written: fetch would resolve `..` before sending it. */
function rawGet(base: string, path: string): Promise<{ status: number; contentType: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'GET', path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const cspOf = (res: Response) => (res.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim());

describe('API docs page', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({});
  });
  afterAll(async () => {
    await gw.close();
  });

  it('is an HTML page that loads Swagger UI from the gateway and points it at the OpenAPI document', async () => {
    const res = await fetch(gw.api('/docs'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(['/api/v11/docs/assets/swagger-ui.css', '/api/v11/docs/assets/swagger-ui-bundle.js', '/api/v11/docs/assets/docs-init.js']);
    // No inline script: every <script> has a src and an empty body.
    expect(html.match(/<script[^>]*>[^<]+<\/script>/)).toBeNull();

    const init = await (await fetch(`${gw.url}/api/v11/docs/assets/docs-init.js`)).text();
    expect(init).toContain('SwaggerUIBundle(');
    expect(init).toContain('"/api/v11/openapi.json"');
    expect((await fetch(gw.api('/openapi.json'))).status).toBe(200);
  });

  it('serves each asset with its content type and cache headers', async () => {
    for (const [file, type, marker] of [
      ['swagger-ui.css', 'text/css; charset=utf-8', '.swagger-ui'],
      ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8', 'SwaggerUIBundle'],
      ['docs-init.js', 'text/javascript; charset=utf-8', 'SwaggerUIBundle'],
    ] as const) {
      const res = await fetch(gw.api(`/docs/assets/${file}`));
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toBe(type);
      expect(res.headers.get('cache-control'), file).toMatch(/max-age=\d+/);
      expect(res.headers.get('etag'), file).toMatch(/^"[^"]+"$/);
      expect(await res.text(), file).toContain(marker);
    }
  });

  it('answers 304 to a request that already holds the current version of an asset', async () => {
    const first = await fetch(gw.api('/docs/assets/swagger-ui.css'));
    await first.arrayBuffer();
    const etag = first.headers.get('etag') ?? '';
    const again = await fetch(gw.api('/docs/assets/swagger-ui.css'), { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('answers 404 as JSON for an asset name outside its list', async () => {
    for (const file of ['index.html', 'swagger-ui.js', 'package.json']) {
      const res = await fetch(gw.api(`/docs/assets/${file}`));
      expect(res.status, file).toBe(404);
      expect(res.headers.get('content-type'), file).toContain('application/json');
      expect(((await res.json()) as { error: { code: string } }).error.code, file).toBe('NOT_FOUND');
    }
  });

  it('answers 404 to path traversal, plain or percent-encoded', async () => {
    for (const path of [
      '/api/v11/docs/assets/../../../package.json',
      '/api/v11/docs/assets/..%2F..%2F..%2Fpackage.json',
      '/api/v11/docs/assets/%2e%2e%2fswagger-ui-dist%2fpackage.json',
      '/api/v11/docs/assets/..%5C..%5Cpackage.json',
    ]) {
      const res = await rawGet(gw.url, path);
      expect(res.status, path).toBe(404);
      expect(res.contentType, path).toContain('application/json');
      expect(res.body, path).not.toContain('"dependencies"');
    }
  });

  it("gets a content security policy that allows the page's own scripts, and only there", async () => {
    const page = cspOf(await fetch(gw.api('/docs')));
    expect(page).toContain("script-src 'self'");
    expect(page).toContain("connect-src 'self'");
    expect(page).toContain("default-src 'none'");
    expect(page.find((d) => d.startsWith('script-src'))).not.toContain('unsafe-inline');
    const asset = await fetch(gw.api('/docs/assets/swagger-ui-bundle.js'));
    await asset.arrayBuffer();
    expect(cspOf(asset)).toContain("script-src 'self'");

    const health = await fetch(gw.api('/health'));
    await health.arrayBuffer();
    expect(cspOf(health)).toEqual(["default-src 'none'", "frame-ancestors 'none'"]);
  });
});
