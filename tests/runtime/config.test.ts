import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../runtime/config.ts';

const base = { CLUSTER_SECRET: 'a-cluster-secret-of-length' };
const group = { CONSENSUS_MEMBERS: 'validator-1=voter@http://127.0.0.1:9003, business-1=learner@http://127.0.0.1:9009' };

describe('configuration from the environment', () => {
  it('gives each role its platform port by default', () => {
    expect(loadConfig(base, 'gateway').PORT).toBe(8080);
    expect(loadConfig(base, 'validator').PORT).toBe(9003);
    expect(loadConfig(base, 'slim').PORT).toBe(9013);
    expect(loadConfig({ ...base, ...group, CONSENSUS_NODE_ID: 'business-1' }, 'business').PORT).toBe(9009);
  });

  it('uses embedded storage when DATABASE_URL is unset or empty', () => {
    expect(loadConfig({ ...base, DATABASE_URL: '' }, 'slim').DATABASE_URL).toBeUndefined();
  });

  it('names the variable whose value is wrong', () => {
    expect(() => loadConfig({ ...base, BLOCK_INTERVAL_MS: 'soon' }, 'validator')).toThrow(/BLOCK_INTERVAL_MS/);
  });

  it('refuses a database URL that is not PostgreSQL', () => {
    expect(() => loadConfig({ ...base, DATABASE_URL: 'mysql://localhost/db' }, 'slim')).toThrow(/DATABASE_URL/);
  });

  it('refuses to start without a cluster secret', () => {
    expect(() => loadConfig({}, 'gateway')).toThrow(ConfigError);
  });

  it('splits upstream lists and checks every URL', () => {
    expect(loadConfig({ ...base, SLIM_URLS: 'http://127.0.0.1:1, http://127.0.0.1:2' }, 'gateway').SLIM_URLS).toEqual([
      'http://127.0.0.1:1',
      'http://127.0.0.1:2',
    ]);
    expect(() => loadConfig({ ...base, SLIM_URLS: 'http://127.0.0.1:1,not a url' }, 'gateway')).toThrow(/SLIM_URLS/);
  });

  it('names a misspelt check or an unknown category in QUALITY_WEIGHTS', () => {
    expect(() => loadConfig({ ...base, QUALITY_WEIGHTS: '{"weather":{"freshnes":3}}' }, 'slim')).toThrow(/freshnes/);
    expect(() => loadConfig({ ...base, QUALITY_WEIGHTS: '{"lottery":{"range":1}}' }, 'slim')).toThrow(/lottery/);
  });

  it('refuses a feed lease shorter than twice the longest fetch, naming the lease', () => {
    expect(() => loadConfig({ ...base, SCHEDULER_LEASE_TTL_MS: '20000', SOURCE_RETRY_TOTAL_MS_MAX: '12000' }, 'slim')).toThrow(/SCHEDULER_LEASE_TTL_MS/);
  });

  it('names QUALITY_WEIGHTS when it is not JSON', () => {
    expect(() => loadConfig({ ...base, QUALITY_WEIGHTS: '{weather' }, 'slim')).toThrow(/QUALITY_WEIGHTS/);
  });

  it('reads the Raft group as id=role@url members', () => {
    expect(loadConfig({ ...base, ...group, CONSENSUS_NODE_ID: 'validator-1' }, 'validator').CONSENSUS_MEMBERS).toEqual([
      { id: 'validator-1', role: 'voter', url: 'http://127.0.0.1:9003' },
      { id: 'business-1', role: 'learner', url: 'http://127.0.0.1:9009' },
    ]);
  });

  it('names the member that is not id=role@url', () => {
    expect(() => loadConfig({ ...base, CONSENSUS_MEMBERS: 'validator-1=boss@http://127.0.0.1:9003', CONSENSUS_NODE_ID: 'validator-1' }, 'validator')).toThrow(
      /CONSENSUS_MEMBERS.*validator-1=boss/s,
    );
  });

  it('refuses a node id that is not one of the members', () => {
    expect(() => loadConfig({ ...base, ...group, CONSENSUS_NODE_ID: 'validator-9' }, 'validator')).toThrow(/CONSENSUS_NODE_ID/);
  });

  it('refuses a business node that is a voter, or outside any group', () => {
    expect(() => loadConfig({ ...base, ...group, CONSENSUS_NODE_ID: 'validator-1' }, 'business')).toThrow(/learner/);
    expect(() => loadConfig(base, 'business')).toThrow(/CONSENSUS_MEMBERS/);
  });

  it('refuses a group without a voter', () => {
    expect(() => loadConfig({ ...base, CONSENSUS_MEMBERS: 'business-1=learner@http://127.0.0.1:9009', CONSENSUS_NODE_ID: 'business-1' }, 'business')).toThrow(/voter/);
  });
});
