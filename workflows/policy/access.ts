/**
 * Who may act on a lead (SPEC §7): its owner rep, its team's manager, or an admin — never marketing.
 * Pure, so the API and the lead workflow share it: the API's changes carry the caller's role and
 * scope into the update, and the update's validator checks them against the lead's own owner and
 * team, atomically with the change (no extra round trip, and no gap between a read and the update
 * in which the lead could be reassigned).
 */
export type Role = 'admin' | 'marketing' | 'manager' | 'rep';

export interface Access {
  role: Role;
  /** team for a manager, rep id for a rep */
  scope?: string;
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
