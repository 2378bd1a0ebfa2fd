import { EnvConfig } from '../../schemas/index.ts';
import type { NodeService } from './compose.ts';

/** A node of compose.yaml as a process on this machine: where it listens and its whole configuration. */
export interface PlannedNode {
  name: string;
  role: NodeService['role'];
  port: number;
  url: string;
  env: Record<string, string>;
}

export interface TopologyPlanOptions {
  /** The node services of compose.yaml, their variables interpolated. */
  nodes: readonly NodeService[];
  /** The local port of each node service (compose's own ports, or free ones). */
  ports: Readonly<Record<string, number>>;
  host: string;
  /** This run's database (each node keeps its compose schema in it) and the local Redis. */
  databaseUrl: string;
  redisUrl: string;
  /** Keeps this run's announcements, channel streams and rate-limit keys apart in a shared Redis. */
  runId: string;
  dataDir: string;
  /** Configuration variables of the caller's environment, passed on where compose.yaml sets none. */
  inherited: Readonly<Record<string, string | undefined>>;
}

const CONFIG_NAMES = new Set(Object.keys(EnvConfig.shape));

/**
 * The processes of compose.yaml on one machine: every address of a node service
 * (`http://validator-2:9103`) becomes its local address, Postgres and Redis become the local ones,
 * and each run gets its own namespace in Redis. Refuses a plan that still names a compose host.
 */
export function planTopology(options: TopologyPlanOptions): PlannedNode[] {
  const local = (name: string) => `${options.host}:${options.ports[name]}`;
  const rewrite = (value: string) =>
    options.nodes.reduce((v, node) => v.replaceAll(`//${node.name}:${node.port}`, `//${local(node.name)}`), value);
  const inherited = Object.fromEntries(
    Object.entries(options.inherited).filter((e): e is [string, string] => CONFIG_NAMES.has(e[0]) && e[1] !== undefined && e[1] !== ''),
  );
  return options.nodes.map((node) => {
    const port = options.ports[node.name];
    if (port === undefined) throw new Error(`no local port for ${node.name}`);
    const env: Record<string, string> = { ...inherited };
    for (const [name, value] of Object.entries(node.env)) env[name] = rewrite(value);
    Object.assign(env, {
      HOST: options.host,
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      DATA_DIR: options.dataDir,
      DIRECTORY_NAMESPACE: options.runId,
      CHANNEL_STREAM_PREFIX: `${options.runId}:channel:`,
      GATEWAY_RATE_KEY_PREFIX: `${options.runId}:rate`,
    });
    for (const [name, value] of Object.entries(env)) {
      const host = options.nodes.find((n) => value.includes(`//${n.name}:`) || value.includes(`@${n.name}:`));
      if (host !== undefined) throw new Error(`${node.name}: ${name} still names the compose host ${host.name}`);
    }
    return { name: node.name, role: node.role, port, url: `http://${local(node.name)}`, env };
  });
}
