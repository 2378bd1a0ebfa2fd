import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenMeteoSource } from '../service/support/open-meteo-source.ts';
import { PROVIDER_A, SlimNode, weatherFeed } from '../service/support/slim-node.ts';

interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

/** A real worker answering registrations: a provider's base URL may not point inside the network. */
describe('registering a pull feed whose source is not public', () => {
  const source = new OpenMeteoSource();
  let slim: SlimNode;
  beforeAll(async () => {
    await source.start();
    // Only the loopback stand-in's own origin is allowed; localhost on the same port is another origin.
    slim = await SlimNode.start({ SOURCE_ORIGINS_ALLOWED: source.url });
  });
  afterAll(async () => {
    await slim?.close();
    await source.stop();
  });

  const register = (baseUrl: string) => slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: weatherFeed(baseUrl) });

  it.each([
    ['http://10.0.0.5', '10.0.0.5 is a private address'],
    ['http://169.254.169.254', '169.254.169.254 is a cloud metadata address'],
    ['http://[::ffff:7f00:1]', '::ffff:7f00:1 is a loopback address'],
    ['http://2130706433', '127.0.0.1 is a loopback address'],
    ['http://metadata.google.internal', 'metadata.google.internal is a cloud metadata host'],
  ])('answers 400 for %s, naming source.params.baseUrl and why', async (baseUrl, reason) => {
    const res = await register(baseUrl);
    expect(res.status).toBe(400);
    const { error } = res.body as ErrorBody;
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain(`source.params.baseUrl: ${reason}`);
    expect(error.details).toEqual([{ path: 'source.params.baseUrl', message: reason }]);
  });

  it('answers 400 for a name that resolves to loopback (localhost), naming the address', async () => {
    const res = await register(`http://localhost:${source.port}`);
    expect(res.status).toBe(400);
    expect((res.body as ErrorBody).error.message).toMatch(/source\.params\.baseUrl: localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(source.requests).toBe(0);
  });

  it('registers a loopback source whose origin the operator allows', async () => {
    expect((await register(source.url)).status).toBe(201);
  });
});
