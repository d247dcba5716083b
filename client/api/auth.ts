/**
 * API-key authentication and the role rules of SPEC §7. Keys come from API_KEYS (config/env.ts);
 * every route declares who may call it, and lead/task routes also check ownership.
 */
import crypto from 'node:crypto';
import type { ApiKey, Role } from '../../config/env';
import type { RosterIndex } from '../../config/roster';
import { ForbiddenError } from '../errors';
import { canActOn } from '../../workflows/policy/access';

export interface Principal {
  role: Role;
  /** team for a manager, rep id for a rep */
  scope?: string;
  /** who this is in history entries */
  actor: string;
  /** a digest of the API key (for per-key rate limits; never the key itself) */
  key: string;
}

export class UnauthorizedError extends Error {
  override name = 'UnauthorizedError';
}

function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

export function authenticate(header: string | undefined, keys: readonly ApiKey[], roster: RosterIndex): Principal {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) throw new UnauthorizedError('missing "Authorization: Bearer <key>" header');
  const found = keys.find((k) => safeEqual(k.key, m[1]));
  if (!found) throw new UnauthorizedError('unknown API key');
  const actor =
    found.role === 'rep'
      ? found.scope!
      : found.role === 'manager'
        ? roster.managerOf(found.scope!)?.id ?? `manager:${found.scope}`
        : found.role;
  return { role: found.role, scope: found.scope, actor, key: crypto.createHash('sha256').update(found.key).digest('hex').slice(0, 16) };
}

export function requireRole(p: Principal, roles: readonly Role[]): void {
  if (!roles.includes(p.role)) throw new ForbiddenError(`the ${p.role} role may not do this (needs ${roles.join(' or ')})`);
}

interface Owned {
  owner: string;
  team: string;
}

export function canViewLead(p: Principal, lead: Owned): boolean {
  switch (p.role) {
    case 'admin':
    case 'marketing':
      return true;
    case 'manager':
      return lead.team === p.scope;
    case 'rep':
      return lead.owner === p.scope;
  }
}

/** Acting on a lead (move, log, replied, won, lost): its owner rep, its team's manager, or an admin. */
export function canActOnLead(p: Principal, lead: Owned): boolean {
  return canActOn(p, lead);
}

export function assertCanView(p: Principal, lead: Owned & { id: string }): void {
  if (!canViewLead(p, lead)) throw new ForbiddenError(`${p.actor} may not see lead ${lead.id}`);
}
export function assertCanAct(p: Principal, lead: Owned & { id: string }): void {
  if (!canActOnLead(p, lead)) throw new ForbiddenError(`${p.actor} may not act on lead ${lead.id}`);
}
