import type { MiddlewareHandler } from 'hono';

/** Content security policy directives (camelCase, as `defaultSrc`) and their sources. */
export type ContentSecurityPolicy = Readonly<Record<string, readonly string[]>>;

/** HSTS lifetime: two years, the preload list's expectation. */
const HSTS_MAX_AGE_S = 63_072_000;

/** The API serves JSON and event streams, never documents: its content security policy allows nothing. */
export const API_CONTENT_SECURITY_POLICY: ContentSecurityPolicy = { defaultSrc: ["'none'"], frameAncestors: ["'none'"] };

/**
 * The docs page (Swagger UI) needs exactly this, all from the gateway itself: its scripts, its
 * stylesheet plus inline styles (Swagger UI sets style attributes as it renders), the SVG icons
 * its stylesheet embeds as data: URLs, and fetches of the OpenAPI document and of "Try it out".
 * Inline script stays forbidden.
 */
export const DOCS_CONTENT_SECURITY_POLICY: ContentSecurityPolicy = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

/**
 * The reviewer page: its own modules and stylesheet, and fetches of the API, all from the gateway;
 * no inline script or style (its chart is SVG built in the DOM).
 */
export const REVIEW_CONTENT_SECURITY_POLICY: ContentSecurityPolicy = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

/** `defaultSrc: ["'none'"]` → `default-src 'none'`, directives joined by `; `. */
function renderPolicy(policy: ContentSecurityPolicy): string {
  return Object.entries(policy)
    .map(([directive, sources]) => [directive.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), ...sources].join(' '))
    .join('; ');
}

/** A response header field as name and value. */
export type HeaderField = readonly [name: string, value: string];

/**
 * The security headers of every answer, proxied ones included; nothing may frame any of them.
 * Only the content security policy differs between the API and the docs page. Computed once:
 * the same list goes on every answer, whichever path served it.
 */
export function securityHeaderFields(contentSecurityPolicy: ContentSecurityPolicy = API_CONTENT_SECURITY_POLICY): readonly HeaderField[] {
  return [
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Origin-Agent-Cluster', '?1'],
    ['Referrer-Policy', 'no-referrer'],
    ['Strict-Transport-Security', `max-age=${HSTS_MAX_AGE_S}; includeSubDomains`],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-DNS-Prefetch-Control', 'off'],
    ['X-Download-Options', 'noopen'],
    ['X-Frame-Options', 'DENY'],
    ['X-Permitted-Cross-Domain-Policies', 'none'],
    ['X-XSS-Protection', '0'],
    ['Content-Security-Policy', renderPolicy(contentSecurityPolicy)],
  ];
}

/** Sets the fields on the finished answer (errors included), over any an upstream sent. */
export function securityHeaders(fields: readonly HeaderField[]): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    for (const [name, value] of fields) headers.set(name, value);
  };
}
