import { freePorts } from './free-ports.ts';

/** One member of a test Raft group: validators are voters, business nodes learners. */
export interface RaftMemberPlan {
  id: string;
  role: 'validator' | 'business';
  port: number;
  url: string;
}

/**
 * Ids, free loopback ports and the CONSENSUS_MEMBERS text of a group, fixed before any member
 * starts (each is configured with every other's address). Used by the in-process and the
 * multi-process cluster alike.
 */
export async function planRaftGroup(voters: number, learners: number): Promise<{ members: RaftMemberPlan[]; membersText: string }> {
  const ports = await freePorts(voters + learners);
  const members = ports.map((port, i): RaftMemberPlan => {
    const role = i < voters ? 'validator' : 'business';
    const id = role === 'validator' ? `validator-${i + 1}` : `business-${i - voters + 1}`;
    return { id, role, port, url: `http://127.0.0.1:${port}` };
  });
  const membersText = members.map((m) => `${m.id}=${m.role === 'validator' ? 'voter' : 'learner'}@${m.url}`).join(',');
  return { members, membersText };
}

/** The environment every member of a planned group shares the shape of; storage and logging are the caller's. */
export function raftMemberEnv(member: RaftMemberPlan, group: { membersText: string; namespace: string; postgresUrl?: string | undefined }): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: String(member.port),
    DIRECTORY_NAMESPACE: group.namespace,
    CONSENSUS_MEMBERS: group.membersText,
    CONSENSUS_NODE_ID: member.id,
    // A fixed key per port: the same member keeps its identity across restarts.
    NODE_KEY_SEED: (member.port % 256).toString(16).padStart(2, '0').repeat(32),
    ...(group.postgresUrl === undefined ? {} : { DATABASE_URL: group.postgresUrl }),
  };
}
