/**
 * API keys and role rules (client/api/auth.ts, README "HTTP API" and docs/CONFIG.md API_KEYS):
 * the bearer header, who each key is, and what every role may see and do with a lead.
 */
import path from 'node:path';
import type { ApiKey, Role } from '../../../../config/env';
import { loadRoster, RosterIndex } from '../../../../config/roster';
import { ForbiddenError } from '../../../../store/request-errors';
import {
  assertCanAct,
  assertCanView,
  authenticate,
  canActOnLead,
  canViewLead,
  requireRole,
  UnauthorizedError,
  type Principal,
} from '../../../../client/api/auth';

const roster = new RosterIndex(loadRoster(path.resolve(__dirname, '../../../../config/roster.demo.json')));

const KEYS: ApiKey[] = [
  { key: 'admin-key-0001', role: 'admin' },
  { key: 'marketing-key-0001', role: 'marketing' },
  { key: 'manager-alpha-0001', role: 'manager', scope: 'alpha' },
  { key: 'manager-gamma-0001', role: 'manager', scope: 'gamma' }, // a team the roster does not have
  { key: 'rep-alice-0001', role: 'rep', scope: 'alice' },
];

const bearer = (key: string) => `Bearer ${key}`;

describe('authenticate', () => {
  it.each([
    ['admin-key-0001', { role: 'admin', scope: undefined, actor: 'admin' }],
    ['marketing-key-0001', { role: 'marketing', scope: undefined, actor: 'marketing' }],
    ['manager-alpha-0001', { role: 'manager', scope: 'alpha', actor: 'mia' }], // the roster's manager of alpha
    ['manager-gamma-0001', { role: 'manager', scope: 'gamma', actor: 'manager:gamma' }], // no such team in the roster
    ['rep-alice-0001', { role: 'rep', scope: 'alice', actor: 'alice' }],
  ])('%s is %o', (key, who) => {
    expect(authenticate(bearer(key), KEYS, roster)).toMatchObject(who);
  });

  it('keeps a digest of the key, never the key itself, the same for every request', () => {
    const p = authenticate(bearer('rep-alice-0001'), KEYS, roster);
    expect(p.key).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(p)).not.toContain('rep-alice-0001');
    expect(authenticate(bearer('rep-alice-0001'), KEYS, roster).key).toBe(p.key);
    expect(authenticate(bearer('admin-key-0001'), KEYS, roster).key).not.toBe(p.key);
  });

  it('accepts the scheme in any case and blanks around the key', () => {
    expect(authenticate('bearer rep-alice-0001', KEYS, roster).role).toBe('rep');
    expect(authenticate('BEARER   rep-alice-0001  ', KEYS, roster).role).toBe('rep');
  });

  it.each([undefined, '', 'rep-alice-0001', 'Basic cmVwOmFsaWNl', 'Bearer', 'Bearer two keys'])(
    'refuses a missing or malformed header %j as unauthorized',
    (header) => {
      expect(() => authenticate(header, KEYS, roster)).toThrow(UnauthorizedError);
      expect(() => authenticate(header, KEYS, roster)).toThrow('missing "Authorization: Bearer <key>" header');
    },
  );

  it('refuses an unknown key, a prefix of a key and a key in the wrong case', () => {
    for (const key of ['nobody-key-0001', 'rep-alice-000', 'REP-ALICE-0001']) {
      expect(() => authenticate(bearer(key), KEYS, roster)).toThrow(new UnauthorizedError('unknown API key'));
    }
    expect(() => authenticate(bearer('rep-alice-0001'), [], roster)).toThrow(UnauthorizedError);
  });
});

const principal = (role: Role, scope?: string): Principal => ({
  role,
  scope,
  actor: scope ?? role,
  key: '0'.repeat(16),
});

describe('requireRole', () => {
  it('passes a listed role and refuses any other with a 403 that names both', () => {
    expect(() => requireRole(principal('manager', 'alpha'), ['manager', 'admin'])).not.toThrow();
    expect(() => requireRole(principal('rep', 'alice'), ['manager', 'admin'])).toThrow(
      new ForbiddenError('the rep role may not do this (needs manager or admin)'),
    );
    expect(() => requireRole(principal('admin'), [])).toThrow(ForbiddenError);
  });
});

describe('seeing and acting on a lead, for every role', () => {
  const lead = { id: 'ada-1', owner: 'alice', team: 'alpha' };

  it.each<[string, Principal, boolean, boolean]>([
    // who, principal, may see, may act
    ['admin', principal('admin'), true, true],
    ['marketing', principal('marketing'), true, false],
    ["the team's manager", principal('manager', 'alpha'), true, true],
    ["another team's manager", principal('manager', 'beta'), false, false],
    ['the owner rep', principal('rep', 'alice'), true, true],
    ['a rep of the same team', principal('rep', 'bob'), false, false],
    ['a rep of another team', principal('rep', 'carol'), false, false],
  ])('%s: see %s, act %s', (_who, p, see, act) => {
    expect(canViewLead(p, lead)).toBe(see);
    expect(canActOnLead(p, lead)).toBe(act);
    if (see) expect(() => assertCanView(p, lead)).not.toThrow();
    else expect(() => assertCanView(p, lead)).toThrow(new ForbiddenError(`${p.actor} may not see lead ada-1`));
    if (act) expect(() => assertCanAct(p, lead)).not.toThrow();
    else expect(() => assertCanAct(p, lead)).toThrow(new ForbiddenError(`${p.actor} may not act on lead ada-1`));
  });
});
