import { AnnouncedNodes, type AnnouncedNode, type NodeAnnouncement } from '../../schemas/index.ts';
import { readTextBounded } from '../bounded-body.ts';
import { clusterHeaders } from '../cluster-auth.ts';
import { AppError } from '../errors.ts';
import type { AnnouncementDirectory } from './directory.ts';

/** The gateway's cluster-only route for announcements: outside the public API prefix, never proxied. */
export const ANNOUNCEMENTS_PATH = '/cluster/announcements';
/** One announcement is a few hundred bytes. */
export const ANNOUNCEMENT_BODY_MAX_BYTES = 4_096;
/** A full live list: ANNOUNCED_NODES_MAX entries of well under 1 KiB. */
const LIVE_BODY_MAX_BYTES = 1_048_576;

/**
 * The embedded directory seen from a node: the gateways keep announcements in process
 * (InProcessDirectory) and take them over HTTP, authenticated with the cluster secret. Every
 * gateway is told, so each has the whole pool; a gateway that does not answer is named in the error.
 */
export class HttpDirectory implements AnnouncementDirectory {
  readonly kind = 'embedded';

  constructor(
    private readonly gatewayUrls: readonly string[],
    private readonly clusterSecret: string,
    private readonly timeoutMs: number,
  ) {
    if (gatewayUrls.length === 0) throw new TypeError('HttpDirectory needs at least one gateway URL');
  }

  announce(announcement: NodeAnnouncement): Promise<void> {
    return this.toEveryGateway('announce to', (base) =>
      this.call(base, ANNOUNCEMENTS_PATH, { method: 'POST', body: JSON.stringify(announcement), headers: { 'content-type': 'application/json' } }),
    );
  }

  withdraw(nodeId: string): Promise<void> {
    return this.toEveryGateway('withdraw from', (base) => this.call(base, `${ANNOUNCEMENTS_PATH}/${encodeURIComponent(nodeId)}`, { method: 'DELETE' }));
  }

  /** The live set as the first gateway that answers holds it. */
  async live(): Promise<AnnouncedNode[]> {
    let lastError: unknown;
    for (const base of this.gatewayUrls) {
      try {
        const res = await this.call(base, ANNOUNCEMENTS_PATH, { method: 'GET' });
        const text = res.body === null ? '' : await readTextBounded(res.body, LIVE_BODY_MAX_BYTES);
        if (text === null) throw new AppError('UPSTREAM_FAILED', `the live list from ${base} exceeds ${LIVE_BODY_MAX_BYTES} bytes`);
        return AnnouncedNodes.parse(JSON.parse(text));
      } catch (error) {
        lastError = error;
      }
    }
    throw new AppError('UNAVAILABLE', 'no gateway answered with its announcements', { cause: lastError });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async toEveryGateway(what: string, send: (base: string) => Promise<Response>): Promise<void> {
    const results = await Promise.allSettled(this.gatewayUrls.map(async (base) => (await send(base)).body?.cancel()));
    const failed = this.gatewayUrls.filter((_, i) => results[i]?.status === 'rejected');
    if (failed.length > 0) {
      const causes = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      throw new AppError('UPSTREAM_FAILED', `could not ${what} ${failed.join(', ')}`, { cause: causes[0] });
    }
  }

  /** One request; anything but 2xx is an error carrying the gateway's status. */
  private async call(base: string, path: string, init: { method: string; body?: string; headers?: Record<string, string> }): Promise<Response> {
    const res = await fetch(`${base.replace(/\/+$/, '')}${path}`, {
      ...init,
      headers: { ...clusterHeaders(this.clusterSecret), accept: 'application/json', ...init.headers },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new AppError('UPSTREAM_FAILED', `${base} answered HTTP ${res.status} to ${init.method} ${path}`);
    }
    return res;
  }
}
