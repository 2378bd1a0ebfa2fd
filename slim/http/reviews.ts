import type { Hono } from 'hono';
import { z } from 'zod';
import { readJson, readParam, readQuery } from '../../runtime/http.ts';
import { ReviewAuditQuery, ReviewDecisionBody, ReviewListQuery } from '../../schemas/index.ts';
import type { ReviewService } from '../reviews/index.ts';
import type { SlimEnv } from './env.ts';

const ReviewId = z.string().min(1).max(128);

/** `/reviews`: the review queue (the gateway admits reviewers only). */
export function reviewRoutes(app: Hono<SlimEnv>, reviews: ReviewService): void {
  app.get('/api/v11/reviews', async (c) => {
    const query = readQuery(c, ReviewListQuery);
    return c.json({ reviews: await reviews.list(query) });
  });

  // Before /reviews/:id: review ids start with rev_, so `audit` is never one.
  app.get('/api/v11/reviews/audit', async (c) => {
    const { limit } = readQuery(c, ReviewAuditQuery);
    return c.json({ audit: await reviews.auditTrail(limit) });
  });

  app.get('/api/v11/reviews/:id/context', async (c) => {
    const id = readParam(c, 'id', ReviewId);
    return c.json(await reviews.context(id));
  });

  app.get('/api/v11/reviews/:id', async (c) => {
    const id = readParam(c, 'id', ReviewId);
    return c.json(await reviews.get(id));
  });

  app.post('/api/v11/reviews/:id/decision', async (c) => {
    const id = readParam(c, 'id', ReviewId);
    const body = await readJson(c, ReviewDecisionBody);
    return c.json(await reviews.decide(c.get('principal'), id, body));
  });
}
