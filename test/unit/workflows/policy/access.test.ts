/**
 * Who may act on a lead (workflows/policy/access.ts, README "HTTP API"): its owner rep, its team's
 * manager, or an admin; never marketing. The lead workflow's update validators and the API both ask
 * this one function.
 */
import { canActOn, type Access } from '../../../../workflows/policy/access';

const lead = { owner: 'alice', team: 'alpha' };

describe('canActOn', () => {
  it.each<[string, Access, boolean]>([
    ['an admin', { role: 'admin' }, true],
    ['an admin with a stray scope', { role: 'admin', scope: 'beta' }, true],
    ["the team's manager", { role: 'manager', scope: 'alpha' }, true],
    ["another team's manager", { role: 'manager', scope: 'beta' }, false],
    ['a manager without a team', { role: 'manager' }, false],
    ['the owner rep', { role: 'rep', scope: 'alice' }, true],
    ['another rep of the same team', { role: 'rep', scope: 'bob' }, false],
    ['a rep without an id', { role: 'rep' }, false],
    ['marketing', { role: 'marketing' }, false],
    ['marketing with a scope', { role: 'marketing', scope: 'alpha' }, false],
  ])('%s → %s', (_who, access, allowed) => {
    expect(canActOn(access, lead)).toBe(allowed);
  });

  it("compares ids exactly: a rep named like the team or a manager scoped to the owner's id gets nothing", () => {
    expect(canActOn({ role: 'rep', scope: 'alpha' }, lead)).toBe(false);
    expect(canActOn({ role: 'manager', scope: 'alice' }, lead)).toBe(false);
    expect(canActOn({ role: 'rep', scope: 'Alice' }, lead)).toBe(false);
  });

  it("follows the lead's current owner and team (a reassigned lead changes who may act)", () => {
    const reassigned = { owner: 'queue:alpha', team: 'alpha' };
    expect(canActOn({ role: 'rep', scope: 'alice' }, reassigned)).toBe(false);
    expect(canActOn({ role: 'manager', scope: 'alpha' }, reassigned)).toBe(true);
  });
});
