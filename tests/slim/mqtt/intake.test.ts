import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, Feed, FeedCreated, NodeHealth, type FeedRegistration } from '../../../schemas/index.ts';
import type { MqttIntakeStatus } from '../../../slim/mqtt/index.ts';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../support/databases.ts';
import { eventually } from '../../support/network.ts';
import { PROVIDER_A, SlimNode } from '../service/support/slim-node.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

/** The real Mosquitto; CI sets it, a laptop without a broker skips the suites that need one. */
const TEST_MQTT_URL = process.env.TEST_MQTT_URL;

const uniqueTopic = () => `slim-test/${randomBytes(6).toString('hex')}/telemetry`;
const uniqueGroup = () => `slim-test-${randomBytes(6).toString('hex')}`;

const mqttFeed = (topic: string, key = 'temperature', unit = '°C'): FeedRegistration => ({
  name: `Reefer ${key}`,
  category: 'iot',
  assetId: 'container-7',
  source: { adapter: 'mqtt', params: { topic, key, deviceId: 'reefer-7', unit } },
  schedule: { intervalMs: 60_000 },
  quality: {},
});

const register = async (slim: SlimNode, registration: FeedRegistration) => {
  const res = await slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: registration });
  expect(res.status).toBe(201);
  return FeedCreated.parse(res.body);
};
const feedNow = async (slim: SlimNode, id: string) => Feed.parse((await slim.call('GET', `/api/v11/external/feeds/${id}`, { as: PROVIDER_A })).body);
const evaluations = (feed: Feed) => feed.stats.accepted + feed.stats.review + feed.stats.rejected;
const mqttStatus = async (slim: SlimNode) => NodeHealth.parse((await slim.call('GET', '/api/v11/health')).body).details?.mqtt as MqttIntakeStatus | null;
/** Waits until the broker confirmed `n` subscriptions of this worker: before that a publication could pass it by. */
const subscribed = (slim: SlimNode, n: number) => eventually(async () => ((await mqttStatus(slim))?.subscribed === n ? true : undefined));

describe('slim worker: mqtt feed registration', () => {
  let slim: SlimNode;
  beforeAll(async () => {
    slim = await SlimNode.start();
  });
  afterAll(() => slim.close());

  it('refuses an mqtt feed with 400 naming MQTT_URL when no broker is configured', async () => {
    const res = await slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: mqttFeed(uniqueTopic()) });
    expect(res.status).toBe(400);
    expect(ErrorBody.parse(res.body).error.message).toContain('MQTT_URL');
  });

  it('refuses a topic with a wildcard with 400 naming the topic', async () => {
    const res = await slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: mqttFeed('plant/+/telemetry') });
    expect(res.status).toBe(400);
    expect((ErrorBody.parse(res.body).error.details as { path: string }[]).map((d) => d.path)).toContain('source.params.topic');
  });

  it('shows no mqtt connection in health when no broker is configured', async () => {
    expect(await mqttStatus(slim)).toBeNull();
  });
});

describe.skipIf(TEST_MQTT_URL === undefined)('slim worker: mqtt intake against Mosquitto', () => {
  let slim: SlimNode;
  let device: MqttClient;
  beforeAll(async () => {
    slim = await SlimNode.start({ MQTT_URL: TEST_MQTT_URL ?? '', MQTT_SHARE_GROUP: uniqueGroup() });
    device = await connectAsync(TEST_MQTT_URL ?? '', { protocolVersion: 5 });
  });
  afterAll(async () => {
    await device.endAsync();
    await slim.close();
  });

  const publish = (topic: string, payload: unknown) =>
    device.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });

  it('reports the broker connection in health', async () => {
    const status = await eventually(async () => ((await mqttStatus(slim))?.connected === true ? mqttStatus(slim) : undefined));
    expect(status).toMatchObject({ connected: true });
  });

  it('turns a published ThingsBoard payload into an observation of its feed, dated by the payload ts', async () => {
    const topic = uniqueTopic();
    const before = (await mqttStatus(slim))?.subscribed ?? 0;
    const feed = await register(slim, mqttFeed(topic));
    await subscribed(slim, before + 1);
    const ts = Date.now() - 1_000;
    await publish(topic, { ts, values: { temperature: 4.5, humidity: 80 } });
    const after = await eventually(async () => {
      const f = await feedNow(slim, feed.id);
      return evaluations(f) === 1 ? f : undefined;
    });
    expect(after.lastObservation).toMatchObject({
      feedId: feed.id,
      observedAt: new Date(ts).toISOString(),
      value: 4.5,
      unit: '°C',
      source: { adapter: 'mqtt', deviceId: 'reefer-7', authentication: 'registered_endpoint' },
      data: { metric: 'temperature', reading: 4.5 },
    });
    expect(after.lastObservation?.source.url).toMatch(new RegExp(`^mqtt://127\\.0\\.0\\.1:1883/${topic}$`));
  });

  it('counts a malformed payload on its feed and goes on taking readings', async () => {
    const topic = uniqueTopic();
    const before = (await mqttStatus(slim))?.subscribed ?? 0;
    const feed = await register(slim, mqttFeed(topic));
    await subscribed(slim, before + 1);
    await publish(topic, '{"ts": not json');
    await publish(topic, { temperature: 4.5 });
    const counted = await eventually(async () => {
      const f = await feedNow(slim, feed.id);
      return f.stats.fetchErrors === 2 ? f : undefined;
    });
    expect(counted.stats.lastError).toContain('no "ts"');
    await publish(topic, { ts: Date.now(), values: { temperature: 4.6 } });
    await eventually(async () => (evaluations(await feedNow(slim, feed.id)) === 1 ? true : undefined));
    expect((await mqttStatus(slim))?.invalid).toBeGreaterThanOrEqual(2);
  });

  it('takes nothing for a paused feed while another feed of the same topic goes on', async () => {
    const topic = uniqueTopic();
    const before = (await mqttStatus(slim))?.subscribed ?? 0;
    const temperature = await register(slim, mqttFeed(topic, 'temperature'));
    const humidity = await register(slim, mqttFeed(topic, 'humidity', '%'));
    await subscribed(slim, before + 1);
    const paused = await slim.call('PATCH', `/api/v11/external/feeds/${temperature.id}`, { as: PROVIDER_A, body: { status: 'paused' } });
    expect(paused.status).toBe(200);
    await publish(topic, { ts: Date.now(), values: { temperature: 4.5, humidity: 80 } });
    await eventually(async () => (evaluations(await feedNow(slim, humidity.id)) === 1 ? true : undefined));
    expect(evaluations(await feedNow(slim, temperature.id))).toBe(0);
  });

  it('unsubscribes a topic once its last feed is paused', async () => {
    const topic = uniqueTopic();
    const before = (await mqttStatus(slim))?.subscribed ?? 0;
    const feed = await register(slim, mqttFeed(topic));
    await subscribed(slim, before + 1);
    await slim.call('PATCH', `/api/v11/external/feeds/${feed.id}`, { as: PROVIDER_A, body: { status: 'paused' } });
    expect((await mqttStatus(slim))?.subscribed).toBe(before);
  });
});

describe.skipIf(TEST_MQTT_URL === undefined || TEST_DATABASE_URL === undefined)('slim workers sharing one mqtt subscription', () => {
  const schema = uniqueSchema('slim_mqtt');
  const env = { MQTT_URL: TEST_MQTT_URL ?? '', MQTT_SHARE_GROUP: uniqueGroup(), DATABASE_URL: TEST_DATABASE_URL ?? '', DB_SCHEMA: schema };
  let first: SlimNode;
  let second: SlimNode | undefined;
  let device: MqttClient;
  beforeAll(async () => {
    first = await SlimNode.start(env);
    device = await connectAsync(TEST_MQTT_URL ?? '', { protocolVersion: 5 });
  });
  afterAll(async () => {
    await device.endAsync();
    await second?.close();
    await first.close();
    await dropSchema(TEST_DATABASE_URL ?? '', schema);
  });

  it('processes each message once, on one of the workers', async () => {
    const topic = uniqueTopic();
    const feed = await register(first, mqttFeed(topic));
    // The second worker reads the active mqtt feeds when it starts, from the same database.
    second = await SlimNode.start(env);
    const workers = [first, second];
    for (const w of workers) await subscribed(w, 1);
    const messages = 10;
    const t0 = Date.now() - messages * 100;
    for (let i = 0; i < messages; i++) {
      await device.publishAsync(topic, JSON.stringify({ ts: t0 + i * 100, values: { temperature: 4 + i / 10 } }), { qos: 1 });
    }
    await eventually(async () => (evaluations(await feedNow(first, feed.id)) >= messages ? true : undefined));
    // A duplicate would arrive after the last original: give it time to show.
    await new Promise((r) => setTimeout(r, 500));
    expect(evaluations(await feedNow(first, feed.id))).toBe(messages);
    const taken = await Promise.all(workers.map(async (w) => (await mqttStatus(w))?.messages ?? 0));
    expect(taken.reduce((a, b) => a + b, 0)).toBe(messages);
    expect(taken.every((n) => n > 0)).toBe(true);
  });
});

describe.skipIf(TEST_MQTT_URL === undefined)('slim worker: broker outage', () => {
  const broker = new URL(TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883');
  const proxy = new TcpProxy(broker.hostname, Number(broker.port || 1883));
  let slim: SlimNode;
  let device: MqttClient;
  beforeAll(async () => {
    await proxy.start();
    slim = await SlimNode.start({ MQTT_URL: `mqtt://127.0.0.1:${proxy.port}`, MQTT_SHARE_GROUP: uniqueGroup() });
    device = await connectAsync(TEST_MQTT_URL ?? '', { protocolVersion: 5 });
  });
  afterAll(async () => {
    // A start-up that timed out leaves these unset: close what exists.
    await (device as MqttClient | undefined)?.endAsync();
    await (slim as SlimNode | undefined)?.close();
    await proxy.stop();
  });

  const health = async () => NodeHealth.parse((await slim.call('GET', '/api/v11/health')).body);

  it('shows the lost broker in health, reconnects by itself and takes readings again', async () => {
    const topic = uniqueTopic();
    const feed = await register(slim, mqttFeed(topic));
    await subscribed(slim, 1);
    expect((await health()).status).toBe('up');

    await proxy.cut();
    const down = await eventually(async () => {
      const h = await health();
      return (h.details?.mqtt as MqttIntakeStatus).connected ? undefined : h;
    });
    expect(down.status).toBe('degraded');

    await proxy.start();
    await eventually(async () => ((await mqttStatus(slim))?.connected === true ? true : undefined), 100, 200);
    // The subscription is renewed on reconnection; publish until a reading lands (one published before the renewal is not kept for us).
    await eventually(async () => {
      await device.publishAsync(topic, JSON.stringify({ ts: Date.now(), values: { temperature: 5 } }), { qos: 1 });
      return evaluations(await feedNow(slim, feed.id)) > 0 ? true : undefined;
    }, 50, 200);
  });
});
