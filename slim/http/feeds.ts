import type { Hono } from 'hono';
import { readJson, readParam } from '../../runtime/http.ts';
import { FeedPatch, FeedRegistration, Identifier, PushBody } from '../../schemas/index.ts';
import type { FeedService } from '../feeds/index.ts';
import type { SlimEnv } from './env.ts';

/** `/external/feeds`: what providers do with their feeds (the gateway checked the role; the service checks ownership). */
export function feedRoutes(app: Hono<SlimEnv>, feeds: FeedService): void {
  app.post('/api/v11/external/feeds', async (c) => {
    const registration = await readJson(c, FeedRegistration);
    return c.json(await feeds.register(c.get('principal'), registration), 201);
  });

  app.get('/api/v11/external/feeds', async (c) => c.json({ feeds: await feeds.list(c.get('principal')) }));

  app.get('/api/v11/external/feeds/:id', async (c) => {
    const id = readParam(c, 'id', Identifier);
    return c.json(await feeds.get(c.get('principal'), id));
  });

  app.patch('/api/v11/external/feeds/:id', async (c) => {
    const id = readParam(c, 'id', Identifier);
    const patch = await readJson(c, FeedPatch);
    return c.json(await feeds.patch(c.get('principal'), id, patch));
  });

  app.post('/api/v11/external/feeds/:id/test', async (c) => {
    const id = readParam(c, 'id', Identifier);
    return c.json(await feeds.test(c.get('principal'), id));
  });

  app.post('/api/v11/external/feeds/:id/observations', async (c) => {
    const id = readParam(c, 'id', Identifier);
    const body = await readJson(c, PushBody);
    return c.json(await feeds.push(c.get('principal'), id, body));
  });
}
