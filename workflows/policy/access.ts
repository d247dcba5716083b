/**
 * Who may act on a lead (README "HTTP API"): its owner rep, its team's manager, or an admin — never marketing.
 * Pure, so the API and the lead workflow share it: the API's changes carry the caller's role and
 * scope into the update, and the update's validator checks them against the lead's own owner and
 * team, atomically with the change (no extra round trip, and no gap between a read and the update
 * in which the lead could be reassigned).
 */
type Role = 'admin' | 'marketing' | 'manager' | 'rep';

export interface Access {
  role: Role;
  /** team for a manager, rep id for a rep */
  scope?: string;
}

/**
 * Only what an update's validator needs of a caller: `{role, scope}`. The API's principal also
 * carries who it is and a digest of its API key; an update's payload is written into the
 * workflow's event history, so the client sends this and nothing else. A validator reading an
 * older update (recorded with the whole principal) reads the same two fields.
 */
export function accessOf(a: Access): Access;
export function accessOf(a: Access | undefined): Access | undefined;
export function accessOf(a: Access | undefined): Access | undefined {
  if (!a) return undefined;
  return a.scope === undefined ? { role: a.role } : { role: a.role, scope: a.scope };
}

export function canActOn(a: Access, lead: { owner: string; team: string }): boolean {
  switch (a.role) {
    case 'admin':
      return true;
    case 'manager':
      return lead.team === a.scope;
    case 'rep':
      return lead.owner === a.scope;
    case 'marketing':
      return false;
  }
}

/** The error type a validator throws when the caller may not act (the API answers 403). */
export const FORBIDDEN = 'Forbidden';
