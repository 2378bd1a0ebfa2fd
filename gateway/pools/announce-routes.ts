import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AnnouncementDirectory } from '../../runtime/announce/directory.ts';
import { ANNOUNCEMENT_BODY_MAX_BYTES, ANNOUNCEMENTS_PATH } from '../../runtime/announce/http-directory.ts';
import { requireCluster, requireNodeCaller, type Principal } from '../../runtime/cluster-auth.ts';
import { AppError } from '../../runtime/errors.ts';
import { installErrorHandling, readJson, readParam } from '../../runtime/http.ts';
import type { Logger } from '../../runtime/logger.ts';
import { NodeAnnouncement, NodeId } from '../../schemas/index.ts';

/**
 * The embedded directory's door: nodes of the cluster announce themselves, renew and withdraw
 * here (cluster secret, never on a caller's behalf). It lives outside the public API prefix and
 * is served ahead of the public app, so no route of the API, proxied or not, reaches it.
 */
export function announcementRoutes(directory: AnnouncementDirectory, clusterSecret: string, logger: Logger): Hono<{ Variables: { principal: Principal } }> {
  const app = new Hono<{ Variables: { principal: Principal } }>();
  installErrorHandling(app, logger);
  app.use(`${ANNOUNCEMENTS_PATH}/*`, requireCluster(clusterSecret), requireNodeCaller());
  app.use(ANNOUNCEMENTS_PATH, requireCluster(clusterSecret), requireNodeCaller());
  app.post(
    ANNOUNCEMENTS_PATH,
    bodyLimit({
      maxSize: ANNOUNCEMENT_BODY_MAX_BYTES,
      onError: () => {
        throw new AppError('PAYLOAD_TOO_LARGE', `an announcement is at most ${ANNOUNCEMENT_BODY_MAX_BYTES} bytes`);
      },
    }),
    async (c) => {
      await directory.announce(await readJson(c, NodeAnnouncement));
      return c.body(null, 204);
    },
  );
  app.delete(`${ANNOUNCEMENTS_PATH}/:nodeId`, async (c) => {
    await directory.withdraw(readParam(c, 'nodeId', NodeId));
    return c.body(null, 204);
  });
  app.get(ANNOUNCEMENTS_PATH, async (c) => c.json(await directory.live()));
  return app;
}

/** Whether a request is for the announcement routes (and not for the public app). */
export const isAnnouncementPath = (pathname: string): boolean => pathname === ANNOUNCEMENTS_PATH || pathname.startsWith(`${ANNOUNCEMENTS_PATH}/`);
