import { API_PREFIX, ROUTE_POLICY, type RouteRule } from '../routing/policy.ts';
import { buildComponentSchemas, componentRef, jsonSchemaOf, type JsonSchema } from './components.ts';
import { OPERATIONS, type OperationDoc, type SuccessMediaType } from './operations.ts';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid input; the details name each problem',
  401: 'no API key, or an unknown or revoked one',
  403: "the key's role may not call this route",
  404: 'not found',
  409: 'conflicts with the current state',
  413: 'the body exceeds the size limit',
  415: 'the body is not application/json',
  429: 'a rate limit was reached (the global one, per address on /auth, or the key\'s tier), or this key has too many open streams; see Retry-After and the RateLimit-* headers',
  502: 'the upstream node could not be reached',
  503: 'no healthy node can serve this now (see Retry-After)',
  504: 'the upstream node did not answer in time',
};

export interface DocumentInfo {
  title: string;
  version: string;
}

export const operationKey = (rule: Pick<RouteRule, 'method' | 'pattern'>) => `${rule.method} ${rule.pattern}`;
export const openApiPath = (pattern: string) => pattern.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** The OpenAPI 3.1 document of the routes in the policy table, with every schema generated from zod. */
export function buildOpenApiDocument(info: DocumentInfo, rules: readonly RouteRule[] = ROUTE_POLICY): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const rule of rules) {
    const doc = OPERATIONS[operationKey(rule)];
    if (doc === undefined) throw new Error(`the OpenAPI document has no operation for ${operationKey(rule)}`);
    const path = openApiPath(rule.pattern);
    paths[path] = { ...paths[path], [rule.method.toLowerCase()]: operation(rule, doc) };
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: 'Tokenization oracle network: the public API of the gateway.' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: API_PREFIX }],
    paths,
    components: {
      schemas: buildComponentSchemas(),
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: `ok_` followed by 43 base64url characters.' } },
    },
  };
}

function operation(rule: RouteRule, doc: OperationDoc): Record<string, unknown> {
  const isPublic = rule.access === 'public';
  const parameters = [...pathParameters(rule, doc), ...queryParameters(doc), ...headerParameters(doc)];
  const errors = new Set<number>(doc.errors ?? []);
  if (doc.body !== undefined) [400, 413, 415].forEach((s) => errors.add(s));
  if (parameters.length > 0) errors.add(400);
  if (!isPublic) [401, 403].forEach((s) => errors.add(s));
  if (rule.target.kind === 'upstream') [502, 503, 504].forEach((s) => errors.add(s));
  // Every route counts against the global rate limit.
  errors.add(429);

  const responses: Record<string, unknown> = { [String(doc.success.status)]: successResponse(doc) };
  for (const status of [...errors].sort((a, b) => a - b)) {
    // /health answers 503 with its own body, already described as its success schema.
    if (status === 503 && rule.pattern === '/health') {
      responses['503'] = { ...successResponse(doc), description: 'down: no validator is up' };
      continue;
    }
    responses[String(status)] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'error',
      content: { 'application/json': { schema: componentRef('ErrorBody') } },
    };
  }

  return {
    operationId: operationId(rule),
    summary: doc.summary,
    ...(doc.description === undefined ? {} : { description: doc.description }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body === undefined
      ? {}
      : { requestBody: { required: true, content: { 'application/json': { schema: componentRef(doc.body) } } } }),
    responses,
    security: isPublic ? [] : [{ bearerAuth: [] }],
    ...(isPublic ? {} : { 'x-roles': rule.access }),
  };
}

function successResponse(doc: OperationDoc): Record<string, unknown> {
  const declared = doc.success.contentType ?? 'application/json';
  const types: readonly SuccessMediaType[] = typeof declared === 'string' ? [declared] : declared;
  return { description: doc.success.description, content: Object.fromEntries(types.map((type) => [type, successMedia(doc, type)])) };
}

function successMedia(doc: OperationDoc, type: SuccessMediaType): Record<string, unknown> {
  if (type === 'text/event-stream') {
    return { schema: { type: 'string', description: `server-sent events; each data line is a ${doc.success.schema ?? 'JSON value'}` } };
  }
  if (type !== 'application/json') return { schema: { type: 'string' } };
  return doc.success.schema === null ? {} : { schema: componentRef(doc.success.schema) };
}

function pathParameters(rule: RouteRule, doc: OperationDoc): JsonSchema[] {
  const names = [...rule.pattern.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
  return names.map((name) => {
    const param = doc.params?.[name];
    if (param === undefined) throw new Error(`the OpenAPI operation ${operationKey(rule)} does not describe path parameter ${name}`);
    return { name, in: 'path', required: true, description: param.description, schema: jsonSchemaOf(param.schema, 'input') };
  });
}

function queryParameters(doc: OperationDoc): JsonSchema[] {
  if (doc.query === undefined) return [];
  const object = jsonSchemaOf(doc.query, 'input');
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, schema]) => ({ name, in: 'query', required: required.has(name), schema }));
}

function headerParameters(doc: OperationDoc): JsonSchema[] {
  return Object.entries(doc.headers ?? {}).map(([name, h]) => ({
    name,
    in: 'header',
    required: false,
    description: h.description,
    schema: jsonSchemaOf(h.schema, 'input'),
  }));
}

function operationId(rule: RouteRule): string {
  const words = rule.pattern
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => (s.startsWith(':') ? `by_${s.slice(1)}` : s.replace(/[^A-Za-z0-9]+/g, '_')));
  return [rule.method.toLowerCase(), ...words].join('_');
}
