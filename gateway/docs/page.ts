import { API_PREFIX } from '../routing/policy.ts';

/** Where the page and its assets live, under the API prefix. */
export const DOCS_PAGE_PATH = `${API_PREFIX}/docs`;
export const DOCS_ASSETS_PATH = `${API_PREFIX}/docs/assets`;

/**
 * The docs page: Swagger UI's stylesheet and bundle, then our initializer, all from the gateway
 * itself (no CDN: the network may have no internet) and no inline script, so the page's content
 * security policy needs nothing beyond 'self' for scripts.
 */
export const DOCS_PAGE_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>API docs</title>
    <link rel="stylesheet" href="${DOCS_ASSETS_PATH}/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_ASSETS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_ASSETS_PATH}/docs-init.js"></script>
  </body>
</html>
`;

/**
 * Starts Swagger UI on the gateway's own OpenAPI document. The document declares the bearer
 * scheme, so Swagger UI shows "Authorize" for an API key. validatorUrl null: the default would
 * load a badge from validator.swagger.io. Configuration from the query string stays off (its
 * default), so a link cannot point the page at another document.
 */
export const DOCS_INIT_JS = `'use strict';
window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(`${API_PREFIX}/openapi.json`)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  queryConfigEnabled: false,
});
`;
