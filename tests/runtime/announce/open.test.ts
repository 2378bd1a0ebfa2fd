import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { advertisedUrl, directoryNamespace } from '../../../runtime/announce/open.ts';
import { ConfigError, loadConfig } from '../../../runtime/config.ts';

const SECRET = 'announce-open-test-secret-0123456789';
const config = (env: Record<string, string> = {}) => loadConfig({ CLUSTER_SECRET: SECRET, ...env }, 'validator');

describe('announcement set-up', () => {
  it('puts the nodes of one network (same chain, same secret) in one namespace, and other networks elsewhere', () => {
    expect(directoryNamespace(config())).toBe(directoryNamespace(config({ PORT: '9103' })));
    expect(directoryNamespace(config())).not.toBe(directoryNamespace(config({ CLUSTER_SECRET: `${SECRET}-other` })));
    expect(directoryNamespace(config())).not.toBe(directoryNamespace(config({ CHAIN_ID: 'another-chain' })));
  });

  it('never puts the cluster secret itself in the namespace, and uses a configured one as given', () => {
    expect(directoryNamespace(config())).not.toContain(SECRET);
    expect(directoryNamespace(config({ DIRECTORY_NAMESPACE: 'prod-eu' }))).toBe('prod-eu');
  });

  it('advertises the machine’s name for a node listening on every interface, and a specific address as it is', () => {
    expect(advertisedUrl('http://0.0.0.0:9003')).toBe(`http://${hostname()}:9003`);
    expect(advertisedUrl('http://127.0.0.1:9013')).toBe('http://127.0.0.1:9013');
  });

  it('refuses a TTL shorter than two heartbeats, naming the variable', () => {
    expect(() => config({ ANNOUNCE_INTERVAL_MS: '2000', ANNOUNCE_TTL_MS: '3000' })).toThrow(ConfigError);
    expect(() => config({ ANNOUNCE_INTERVAL_MS: '2000', ANNOUNCE_TTL_MS: '3000' })).toThrow(/ANNOUNCE_TTL_MS/);
  });
});
