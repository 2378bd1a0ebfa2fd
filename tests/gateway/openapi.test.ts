import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument, openApiPath, operationKey } from '../../gateway/openapi/document.ts';
import { OPERATIONS } from '../../gateway/openapi/operations.ts';
import { ROUTE_POLICY } from '../../gateway/routing/policy.ts';
import { startTestGateway, type TestGateway } from './support.ts';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { security: unknown[]; requestBody?: { content: Record<string, { schema: { $ref: string } }> }; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

describe('OpenAPI document', () => {
  let gw: TestGateway;
  let doc: Doc;

  beforeAll(async () => {
    gw = await startTestGateway({});
    const res = await fetch(gw.api('/openapi.json'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    doc = JSON.parse(await res.text()) as Doc;
  });
  afterAll(async () => {
    await gw.close();
  });

  it('is OpenAPI 3.1.0 served as valid JSON', () => {
    expect(doc.openapi).toBe('3.1.0');
  });

  it('covers every route of the policy table with its method', () => {
    for (const rule of ROUTE_POLICY) {
      const path = doc.paths[openApiPath(rule.pattern)];
      expect(path, rule.pattern).toBeDefined();
      expect(path?.[rule.method.toLowerCase()], `${rule.method} ${rule.pattern}`).toBeDefined();
    }
  });

  it('documents no operation that is not a route of the policy table', () => {
    expect(Object.keys(OPERATIONS).sort()).toEqual(ROUTE_POLICY.map(operationKey).sort());
  });

  it('documents 429 on every route, since every request counts against the global rate limit', () => {
    for (const rule of ROUTE_POLICY) {
      const responses = doc.paths[openApiPath(rule.pattern)]?.[rule.method.toLowerCase()]?.responses;
      expect(responses?.['429'], `${rule.method} ${rule.pattern}`).toBeDefined();
    }
  });

  it('requires a bearer key exactly on protected routes', () => {
    expect(doc.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    for (const rule of ROUTE_POLICY) {
      const op = doc.paths[openApiPath(rule.pattern)]?.[rule.method.toLowerCase()];
      expect(op?.security, `${rule.method} ${rule.pattern}`).toEqual(rule.access === 'public' ? [] : [{ bearerAuth: [] }]);
    }
  });

  it('describes request bodies and responses with the shared zod schemas', () => {
    for (const name of [
      'FeedRegistration',
      'FeedPatch',
      'PushBody',
      'ReviewDecisionBody',
      'IssueKeyBody',
      'Feed',
      'FeedCreated',
      'ReviewItem',
      'ConsensusStatus',
      'BlockWithTransactions',
      'TransactionReceipt',
      'Attestation',
      'NetworkHealth',
      'IssuedKey',
      'ErrorBody',
    ]) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
    expect(doc.paths['/external/feeds']?.post?.requestBody?.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/FeedRegistration',
    });
  });

  it('contains only references that resolve inside the document', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      const target = ref.slice('"$ref":"'.length, -1);
      expect(target.startsWith('#/components/schemas/'), target).toBe(true);
      expect(doc.components.schemas[target.slice('#/components/schemas/'.length)], target).toBeDefined();
    }
  });

  it('refuses to build when a policy route has no documented operation', () => {
    expect(() =>
      buildOpenApiDocument({ title: 't', version: '0' }, [{ method: 'GET', pattern: '/undocumented', target: { kind: 'gateway' }, access: 'public' }]),
    ).toThrow(/GET \/undocumented/);
  });
});
