import type { Hono } from 'hono';
import { readParam } from '../../runtime/http.ts';
import { Identifier } from '../../schemas/index.ts';
import { EASYPOST_SIGNATURE_HEADER } from '../../oracles/easypost.ts';
import type { EasyPostWebhooks } from '../webhooks/index.ts';
import type { SlimEnv } from './env.ts';

/**
 * `/external/webhooks/*`: events posted by data sources themselves. Public at the gateway (a carrier
 * holds no API key): the source's signature over the raw body authenticates each event.
 */
export function webhookRoutes(app: Hono<SlimEnv>, easypost: EasyPostWebhooks): void {
  app.post('/api/v11/external/webhooks/easypost/:feedId', async (c) => {
    const feedId = readParam(c, 'feedId', Identifier);
    // The exact bytes: the HMAC is over them, not over any re-serialization of the JSON.
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const receipt = await easypost.receive(feedId, rawBody, c.req.header(EASYPOST_SIGNATURE_HEADER));
    return c.json(receipt.body, receipt.status);
  });
}
