import { z } from 'zod';

export const CLUSTER_MEMBERS_MAX = 15;
const MemberId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a member id is lower-case letters, digits and dashes');

export interface ClusterMember {
  readonly id: string;
  readonly role: 'voter' | 'learner';
  readonly url: string;
}

/**
 * CONSENSUS_MEMBERS: the founding membership, `id=role@url` separated by commas, e.g.
 * `validator-1=voter@http://127.0.0.1:9003,business-1=learner@http://127.0.0.1:9009`.
 * Every member of one cluster is started with the same list; later changes go through Raft.
 */
export const ClusterMembersText = z
  .string()
  .transform((text, ctx): ClusterMember[] => {
    const members: ClusterMember[] = [];
    for (const part of text.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
      const match = /^([^=]+)=(voter|learner)@(.+)$/.exec(part);
      if (match === null) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not id=voter@url or id=learner@url` });
        return z.NEVER;
      }
      const id = MemberId.safeParse(match[1]);
      const url = z.url({ protocol: /^https?$/ }).safeParse(match[3]);
      if (!id.success || !url.success) {
        ctx.addIssue({ code: 'custom', message: `"${part}": ${!id.success ? 'bad member id' : 'bad url'}` });
        return z.NEVER;
      }
      members.push({ id: id.data, role: match[2] as ClusterMember['role'], url: url.data.replace(/\/$/, '') });
    }
    return members;
  })
  .pipe(
    z
      .array(z.custom<ClusterMember>())
      .min(1, 'at least one member')
      .max(CLUSTER_MEMBERS_MAX)
      .refine((ms) => new Set(ms.map((m) => m.id)).size === ms.length, 'member ids must be unique')
      .refine((ms) => ms.some((m) => m.role === 'voter'), 'at least one voter'),
  );
