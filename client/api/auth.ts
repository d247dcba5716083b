/**
 * API-key authentication and the role rules of README "HTTP API". Keys come from API_KEYS (config/env.ts);
 * every route declares who may call it (the `x-dealflow-access` of its operation in openapi.ts), and
 * lead, task, report and team-config routes also check the caller's scope (team or rep).
 */
import crypto from 'node:crypto';
import type { ApiKey, Role } from '../../config/env';
import type { RosterIndex } from '../../config/roster';
import { CodedError, ForbiddenError } from '../../store/request-errors';
import { canActOn } from '../../workflows/policy/access';
import type { ErrorCode } from '../../workflows/policy/errors';

export interface Principal {
  role: Role;
  /** team for a manager, rep id for a rep */
  scope?: string;
  /** who this is in history entries */
  actor: string;
  /** a digest of the API key (for per-key rate limits; never the key itself) */
  key: string;
}

/** 401 (or 403 for a bad signature); `code` is the API's `error.code` (`unauthorized` unless a more precise one is given). */
export class UnauthorizedError extends CodedError {
  override name = 'UnauthorizedError';
  constructor(message: string, code: ErrorCode = 'unauthorized') {
    super(code, message);
  }
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
        ? (roster.managerOf(found.scope!)?.id ?? `manager:${found.scope}`)
        : found.role;
  return {
    role: found.role,
    scope: found.scope,
    actor,
    key: crypto.createHash('sha256').update(found.key).digest('hex').slice(0, 16),
  };
}

export function requireRole(p: Principal, roles: readonly Role[]): void {
  if (!roles.includes(p.role))
    throw new ForbiddenError(`the ${p.role} role may not do this (needs ${roles.join(' or ')})`);
}

/**
 * The team a report or list is about (README "HTTP API"): a manager's own team whether or not they
 * name it, and a 403 when they name another; for other roles what was asked (undefined = all teams).
 */
export function reportTeam(p: Principal, requested: string | undefined): string | undefined {
  if (p.role !== 'manager') return requested;
  if (requested !== undefined && requested !== p.scope) throw new ForbiddenError(`a manager sees only team ${p.scope}`);
  return p.scope;
}

/** Whether a team-keyed part of a config document (thresholds, webhooks, roster, goals) is the caller's to see. */
export function seesTeam(p: Principal, team: string): boolean {
  return p.role === 'admin' || (p.role === 'manager' && p.scope === team);
}

/** A `{ teams: { <team>: … } }` object with only the teams the caller may see (the rest of the object kept). */
export function ownTeams<T extends { teams?: Record<string, unknown> }>(p: Principal, doc: T): T {
  if (p.role === 'admin' || !doc.teams) return doc;
  return { ...doc, teams: Object.fromEntries(Object.entries(doc.teams).filter(([team]) => seesTeam(p, team))) };
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

/**
 * An audit log as the caller may see it: each entry's old and new reduced to `view` (the parts of
 * the document the caller sees), and entries that changed nothing visible left out. An admin sees all.
 */
export function ownHistory<D, E extends { old: D; new: D } = { old: D; new: D }>(
  p: Principal,
  items: E[],
  view: (doc: E['old']) => D,
): E[] {
  if (p.role === 'admin') return items;
  return items
    .map((e) => ({ ...e, old: view(e.old), new: view(e.new) }))
    .filter((e) => JSON.stringify(e.old) !== JSON.stringify(e.new));
}
