import { API_PREFIX, HTTP_METHODS, ROUTE_POLICY, type HttpMethod, type RouteRule } from './policy.ts';

export type RouteMatch =
  | { kind: 'matched'; rule: RouteRule; params: Record<string, string> }
  /** The path exists, but not for this method: `allowed` feeds the Allow header of the 405. */
  | { kind: 'method-not-allowed'; allowed: readonly HttpMethod[] }
  | { kind: 'not-found' };

/** Request paths longer than this are not routed at all (no route comes close). */
export const PATH_LENGTH_MAX_CHARS = 2_048;

interface CompiledRule {
  rule: RouteRule;
  segments: readonly string[];
}

export interface RouteMatcher {
  match(method: string, path: string): RouteMatch;
}

/** Compiles a policy table once; matching is then a walk over its rules (a few dozen, so no trie). */
export function createRouteMatcher(rules: readonly RouteRule[] = ROUTE_POLICY): RouteMatcher {
  const compiled: CompiledRule[] = rules.map((rule) => ({ rule, segments: splitPath(rule.pattern) }));
  return {
    match(method, path) {
      if (path.length > PATH_LENGTH_MAX_CHARS || !path.startsWith(`${API_PREFIX}/`)) return { kind: 'not-found' };
      const segments = splitPath(path.slice(API_PREFIX.length));
      // HEAD is a GET without a body (RFC 9110), so it is allowed wherever GET is.
      const wanted = method === 'HEAD' ? 'GET' : method;
      const allowed: HttpMethod[] = [];
      for (const c of compiled) {
        const params = matchSegments(c.segments, segments);
        if (params === null) continue;
        if (c.rule.method === wanted) return { kind: 'matched', rule: c.rule, params };
        if (!allowed.includes(c.rule.method)) allowed.push(c.rule.method);
      }
      if (allowed.length === 0) return { kind: 'not-found' };
      return { kind: 'method-not-allowed', allowed: HTTP_METHODS.filter((m) => allowed.includes(m)) };
    },
  };
}

/** `''` segments (from `//` or a trailing `/`) are kept, so `/reviews/` does not match `/reviews`. */
function splitPath(path: string): string[] {
  return path.split('/').slice(1);
}

function matchSegments(pattern: readonly string[], path: readonly string[]): Record<string, string> | null {
  if (pattern.length !== path.length) return null;
  // Compared first, captured after: most rules of the same length fail on a literal segment, and
  // those should cost no params object or decoding (this runs for every rule on every request).
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const s = path[i] as string;
    if (p.startsWith(':') ? s.length === 0 : p !== s) return null;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    if (p.startsWith(':')) params[p.slice(1)] = safeDecode(path[i] as string);
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
