import { secureHeaders } from 'hono/secure-headers';

/** HSTS lifetime: two years, the preload list's expectation. */
const HSTS_MAX_AGE_S = 63_072_000;

/**
 * The API serves JSON and event streams, never documents, so the content security policy allows
 * nothing at all, and nothing may frame it. Applied to every answer, proxied ones included.
 */
export const securityHeaders = () =>
  secureHeaders({
    strictTransportSecurity: `max-age=${HSTS_MAX_AGE_S}; includeSubDomains`,
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    xFrameOptions: 'DENY',
    xContentTypeOptions: 'nosniff',
    referrerPolicy: 'no-referrer',
    crossOriginResourcePolicy: 'same-origin',
  });
