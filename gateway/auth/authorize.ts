import { AppError } from '../../runtime/errors.ts';
import type { RouteRule } from '../routing/policy.ts';
import type { KeyPrincipal } from './key-service.ts';

/** Throws FORBIDDEN unless the principal's role may call the route; public routes admit everyone. */
export function assertRoleAllowed(rule: RouteRule, principal: KeyPrincipal | null): void {
  if (rule.access === 'public') return;
  if (principal === null) throw new AppError('UNAUTHENTICATED', 'send an API key as Authorization: Bearer <key>');
  if (!rule.access.includes(principal.role)) {
    throw new AppError('FORBIDDEN', `${rule.method} ${rule.pattern} is for roles ${rule.access.join(', ')}; this key has role ${principal.role}`, {
      details: { allowedRoles: rule.access, role: principal.role },
    });
  }
}
