import { ROLE_STARTERS } from '../../bin/roles.ts';
import { loadConfig } from '../../runtime/config.ts';
import { createLogger } from '../../runtime/logger.ts';
import type { RunningNode } from '../../runtime/node.ts';
import { dropSchema, tempDir, uniqueSchema } from './databases.ts';
import { planRaftGroup, raftMemberEnv } from './raft-members.ts';

export const CLUSTER_TEST_SECRET = 'test-cluster-secret-0123456789';

export interface ClusterMemberSpec {
  id: string;
  role: 'validator' | 'business';
  port: number;
  url: string;
  env: Record<string, string>;
}

export interface TestCluster {
  members: ClusterMemberSpec[];
  /** Running nodes by member id; a stopped member is absent until restarted. */
  nodes: Map<string, RunningNode>;
  start(id: string): Promise<RunningNode>;
  stop(id: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Raft group of validators (voters) and business nodes (learners) in this process, each with its
 * own storage (a PGlite directory, or a schema of the real PostgreSQL) on loopback ports fixed up
 * front, since every member is configured with every other's address.
 */
export async function startCluster(options: { voters?: number; learners?: number; postgresUrl?: string | undefined; env?: Record<string, string> } = {}): Promise<TestCluster> {
  const voters = options.voters ?? 3;
  const learners = options.learners ?? 2;
  const plan = await planRaftGroup(voters, learners);
  const dir = tempDir('cluster');
  const namespace = uniqueSchema('cluster');
  const members: ClusterMemberSpec[] = plan.members.map((m) => ({
    ...m,
    env: {
      ...raftMemberEnv(m, { membersText: plan.membersText, namespace, postgresUrl: options.postgresUrl }),
      CLUSTER_SECRET: CLUSTER_TEST_SECRET,
      LOG_LEVEL: 'silent',
      DATA_DIR: `${dir.path}/${m.id}`,
      DB_SCHEMA: `${namespace}_${m.id.replace('-', '_')}`,
      ...options.env,
    },
  }));
  const nodes = new Map<string, RunningNode>();
  const start = async (id: string): Promise<RunningNode> => {
    const m = members.find((x) => x.id === id)!;
    const config = loadConfig(m.env, m.role);
    const node = await ROLE_STARTERS[m.role](config, createLogger(m.id, 'silent'));
    nodes.set(id, node);
    return node;
  };
  await Promise.all(members.map((m) => start(m.id)));
  return {
    members,
    nodes,
    start,
    async stop(id) {
      const node = nodes.get(id);
      nodes.delete(id);
      await node?.close();
    },
    async close() {
      await Promise.all([...nodes.values()].map((n) => n.close()));
      nodes.clear();
      if (options.postgresUrl !== undefined) for (const m of members) await dropSchema(options.postgresUrl, m.env.DB_SCHEMA!);
      dir.remove();
    },
  };
}
