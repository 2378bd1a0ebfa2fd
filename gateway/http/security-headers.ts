import { secureHeaders } from 'hono/secure-headers';

type ContentSecurityPolicyOptions = NonNullable<NonNullable<Parameters<typeof secureHeaders>[0]>['contentSecurityPolicy']>;

/** HSTS lifetime: two years, the preload list's expectation. */
const HSTS_MAX_AGE_S = 63_072_000;

/** The API serves JSON and event streams, never documents: its content security policy allows nothing. */
export const API_CONTENT_SECURITY_POLICY: ContentSecurityPolicyOptions = { defaultSrc: ["'none'"], frameAncestors: ["'none'"] };

/**
 * The docs page (Swagger UI) needs exactly this, all from the gateway itself: its scripts, its
 * stylesheet plus inline styles (Swagger UI sets style attributes as it renders), the SVG icons
 * its stylesheet embeds as data: URLs, and fetches of the OpenAPI document and of "Try it out".
 * Inline script stays forbidden.
 */
export const DOCS_CONTENT_SECURITY_POLICY: ContentSecurityPolicyOptions = {
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
 * Security headers on every answer, proxied ones included; nothing may frame any of them.
 * Only the content security policy differs between the API and the docs page.
 */
export const securityHeaders = (contentSecurityPolicy: ContentSecurityPolicyOptions = API_CONTENT_SECURITY_POLICY) =>
  secureHeaders({
    strictTransportSecurity: `max-age=${HSTS_MAX_AGE_S}; includeSubDomains`,
    contentSecurityPolicy,
    xFrameOptions: 'DENY',
    xContentTypeOptions: 'nosniff',
    referrerPolicy: 'no-referrer',
    crossOriginResourcePolicy: 'same-origin',
  });
