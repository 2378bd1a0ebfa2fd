import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { startFakeUpstream, startTestGateway, type FakeUpstream, type TestGateway } from '../support.ts';

/**
 * A GET through node:http: the test decides every header sent (fetch adds some and refuses
 * others), and the body comes back exactly as it was sent, compressed or not (fetch decodes).
 */
export function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A gateway with one fake validator behind it, started before the suite's tests and closed after them. */
export function gatewayWithOneValidator(): { readonly upstream: FakeUpstream; readonly gw: TestGateway } {
  const started: { upstream?: FakeUpstream; gw?: TestGateway } = {};
  beforeAll(async () => {
    started.upstream = await startFakeUpstream('v');
    started.gw = await startTestGateway({ validators: [started.upstream.url] });
  });
  afterAll(async () => {
    await started.gw?.close();
    await started.upstream?.close();
  });
  const must = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('used outside the suite: the gateway starts in beforeAll');
    return value;
  };
  return {
    get upstream() {
      return must(started.upstream);
    },
    get gw() {
      return must(started.gw);
    },
  };
}
