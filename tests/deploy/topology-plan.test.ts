import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeServices, readCompose } from '../../bin/topology/compose.ts';
import { planTopology } from '../../bin/topology/plan.ts';
import { loadConfig } from '../../runtime/config.ts';

const compose = readCompose(fileURLToPath(new URL('../../compose.yaml', import.meta.url)));
const services = nodeServices(compose, {
  CLUSTER_SECRET: 's'.repeat(32),
  POSTGRES_PASSWORD: 'x',
  REDIS_PASSWORD: 'x',
  ADMIN_API_KEY: 'a'.repeat(32),
  GATEWAY_KEY_PEPPER: 'p'.repeat(32),
});
const ports = Object.fromEntries(services.map((s, i) => [s.name, 40_000 + i]));
const plan = (inherited: Record<string, string> = {}) =>
  planTopology({
    nodes: services,
    ports,
    host: '127.0.0.1',
    databaseUrl: 'postgres://postgres@127.0.0.1:5432/topology_run',
    redisUrl: 'redis://127.0.0.1:6379',
    runId: 'topology_run',
    dataDir: '/tmp/topology',
    inherited,
  });

describe('the compose topology as local processes', () => {
  it('runs every node service of compose.yaml, each on its local port', () => {
    expect(plan().map((n) => [n.name, n.port])).toEqual(services.map((s) => [s.name, ports[s.name]]));
  });

  it('points every address of a node service at its local port', () => {
    const validator = plan().find((n) => n.name === 'validator-1')!;
    expect(validator.env['CONSENSUS_MEMBERS']).toContain(`validator-2=voter@http://127.0.0.1:${ports['validator-2']}`);
    expect(validator.env['ANNOUNCE_URL']).toBe(`http://127.0.0.1:${ports['validator-1']}`);
    const slim = plan().find((n) => n.name === 'slim-2')!;
    expect(slim.env['VALIDATOR_URLS']).toBe(['validator-1', 'validator-2', 'validator-3'].map((v) => `http://127.0.0.1:${ports[v]}`).join(','));
  });

  it("uses the run's database and the local Redis, keeping compose's schema per node", () => {
    for (const node of plan()) {
      expect(node.env['DATABASE_URL']).toBe('postgres://postgres@127.0.0.1:5432/topology_run');
      expect(node.env['REDIS_URL']).toBe('redis://127.0.0.1:6379');
    }
    expect(plan().find((n) => n.name === 'business-2')?.env['DB_SCHEMA']).toBe('business_2');
  });

  it('keeps a run apart from others sharing the Redis: announcements, channels and rate limits', () => {
    const env = plan()[0]!.env;
    expect([env['DIRECTORY_NAMESPACE'], env['CHANNEL_STREAM_PREFIX'], env['GATEWAY_RATE_KEY_PREFIX']]).toEqual(['topology_run', 'topology_run:channel:', 'topology_run:rate']);
  });

  it("passes the caller's configuration variables where compose.yaml sets none, and nothing else", () => {
    const slim = plan({ SOURCE_ORIGINS_ALLOWED: 'http://127.0.0.1:9099', LOG_LEVEL: 'debug', SHELL: '/bin/sh' }).find((n) => n.name === 'slim-1')!;
    expect(slim.env['SOURCE_ORIGINS_ALLOWED']).toBe('http://127.0.0.1:9099');
    // compose.yaml sets LOG_LEVEL itself (from its own default here).
    expect(slim.env['LOG_LEVEL']).toBe('info');
    expect(slim.env['SHELL']).toBeUndefined();
  });

  it('gives every process a configuration the schema accepts', () => {
    for (const node of plan()) expect(loadConfig(node.env, node.role).PORT).toBe(node.port);
  });
});
