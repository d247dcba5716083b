/**
 * Stall thresholds (workflows/policy/thresholds.ts): the effective threshold of a (team, stage), the
 * escalation ladder's fire times, validation with field paths, applying a patch, and which scopes a
 * change shortened (README, "How a threshold change reaches running leads").
 */
import { DEFAULT_ESCALATION, DEFAULT_THRESHOLDS, OPEN_STAGES } from '../../../../config/defaults';
import {
  applyThresholdsPatch,
  nextEscalationAt,
  shortenedScopes,
  thresholdMs,
  validateThresholdsPatch,
  type ThresholdsBody,
} from '../../../../workflows/policy/thresholds';

const H = 3_600_000;
const D = 24 * H;

/** The document a fresh install starts from, plus what a test adds. */
function doc(over: Partial<ThresholdsBody> = {}): ThresholdsBody {
  return {
    global: { ...DEFAULT_THRESHOLDS },
    teams: {},
    escalation: { ...DEFAULT_ESCALATION, multipliers: [...DEFAULT_ESCALATION.multipliers] },
    ...over,
  };
}

describe('thresholdMs', () => {
  it('is the global value for a team without an override', () => {
    expect(OPEN_STAGES.map((s) => thresholdMs(doc(), 'alpha', s))).toEqual([3 * D, 2 * D, 7 * D, 5 * D, 5 * D, 7 * D]);
  });

  it("is the team's override for that team and stage only", () => {
    const d = doc({ teams: { alpha: { presentation: '2h' } } });
    expect(thresholdMs(d, 'alpha', 'presentation')).toBe(2 * H);
    expect(thresholdMs(d, 'alpha', 'closing')).toBe(7 * D);
    expect(thresholdMs(d, 'beta', 'presentation')).toBe(5 * D);
  });

  it('is undefined for follow_up (it does not stall) and for a stage with no threshold', () => {
    expect(thresholdMs(doc(), 'alpha', 'follow_up')).toBeUndefined();
    expect(thresholdMs(doc({ global: { approach: '7d' } }), 'alpha', 'closing')).toBeUndefined();
  });
});

describe('nextEscalationAt', () => {
  const last = Date.parse('2026-04-01T09:00:00Z');

  it('fires level n at last activity + threshold × multipliers[n]', () => {
    const at = (level: number) => nextEscalationAt(doc(), 'alpha', 'approach', last, level);
    expect(at(0)).toBe(last + 7 * D);
    expect(at(1)).toBe(last + 14 * D);
    expect(at(2)).toBe(last + 21 * D);
  });

  it('uses fractional multipliers as they are', () => {
    const d = doc({ escalation: { multipliers: [0.5, 1, 1.5], autoReassign: false } });
    expect(nextEscalationAt(d, 'alpha', 'preparation', last, 0)).toBe(last + D);
    expect(nextEscalationAt(d, 'alpha', 'preparation', last, 2)).toBe(last + 3 * D);
  });

  it('is undefined once the ladder is climbed, and for follow_up', () => {
    expect(nextEscalationAt(doc(), 'alpha', 'approach', last, 3)).toBeUndefined();
    expect(nextEscalationAt(doc(), 'alpha', 'follow_up', last, 0)).toBeUndefined();
  });
});

describe('validateThresholdsPatch', () => {
  it('accepts a full document, a partial one, and the metadata fields a GET returns', () => {
    expect(validateThresholdsPatch(doc())).toEqual([]);
    expect(validateThresholdsPatch({ teams: { alpha: { presentation: '2m' } } })).toEqual([]);
    expect(validateThresholdsPatch({ escalation: { autoReassign: true } })).toEqual([]);
    expect(
      validateThresholdsPatch({ ...doc(), version: 3, updatedAt: '2026-04-01T00:00:00Z', updatedBy: 'mia' }),
    ).toEqual([]);
    expect(validateThresholdsPatch({})).toEqual([]);
  });

  it('accepts null to remove a team override or a whole team', () => {
    expect(validateThresholdsPatch({ teams: { alpha: { presentation: null } } })).toEqual([]);
    expect(validateThresholdsPatch({ teams: { alpha: null } })).toEqual([]);
  });

  it('refuses null for a global threshold: every open stage keeps one', () => {
    expect(validateThresholdsPatch({ global: { approach: null } })).toEqual([
      { path: 'global.approach', message: 'a global threshold cannot be removed; give a duration such as "3d"' },
    ]);
  });

  it.each([null, 'x', [], 3])('refuses a body that is not an object: %p', (body) => {
    expect(validateThresholdsPatch(body)).toEqual([{ path: '(body)', message: 'must be an object' }]);
  });

  it('names the path of every bad stage value', () => {
    expect(
      validateThresholdsPatch({
        global: { approach: 'soon', closing: '0s', presentation: 5, follow_up: '1d', warp: '1d' },
        teams: { alpha: { preparation: '-1d' } },
      }),
    ).toEqual([
      { path: 'global.approach', message: '"soon" is not a duration such as "90s", "15m" or "3d"' },
      { path: 'global.closing', message: 'must be longer than zero' },
      { path: 'global.presentation', message: 'must be a duration such as "90s", "15m" or "3d"' },
      {
        path: 'global.follow_up',
        message:
          'unknown stage; stages with thresholds are prospecting, preparation, approach, presentation, objections, closing',
      },
      {
        path: 'global.warp',
        message:
          'unknown stage; stages with thresholds are prospecting, preparation, approach, presentation, objections, closing',
      },
      { path: 'teams.alpha.preparation', message: '"-1d" is not a duration such as "90s", "15m" or "3d"' },
    ]);
  });

  it('refuses a threshold longer than 3650 days under its path, and accepts "5min"', () => {
    expect(
      validateThresholdsPatch({ global: { approach: '100000000d' }, teams: { alpha: { closing: '3651d' } } }),
    ).toEqual([
      { path: 'global.approach', message: 'must be at most 3650d' },
      { path: 'teams.alpha.closing', message: 'must be at most 3650d' },
    ]);
    expect(validateThresholdsPatch({ global: { approach: '5min', closing: '3650d' } })).toEqual([]);
  });

  it('refuses shapes that are not stage maps and team ids that are not ids', () => {
    expect(validateThresholdsPatch({ global: ['3d'], teams: { 'a b': {}, beta: 'fast' } })).toEqual([
      { path: 'global', message: 'must be an object of stage → duration' },
      { path: 'teams.a b', message: 'not a team id' },
      { path: 'teams.beta', message: 'must be an object of stage → duration' },
    ]);
    expect(validateThresholdsPatch({ teams: null })).toEqual([
      { path: 'teams', message: 'must be an object of team → stages' },
    ]);
    expect(validateThresholdsPatch({ teams: [] })).toEqual([
      { path: 'teams', message: 'must be an object of team → stages' },
    ]);
  });

  it('wants three increasing multipliers greater than zero', () => {
    const m = (multipliers: unknown) => validateThresholdsPatch({ escalation: { multipliers } });
    expect(m([1, 2, 3])).toEqual([]);
    expect(m([0.5, 1, 10])).toEqual([]);
    expect(m([1, 2])).toEqual([{ path: 'escalation.multipliers', message: 'must be three numbers, one per level' }]);
    expect(m([1, 2, 3, 4])).toEqual([
      { path: 'escalation.multipliers', message: 'must be three numbers, one per level' },
    ]);
    expect(m('1,2,3')).toEqual([{ path: 'escalation.multipliers', message: 'must be three numbers, one per level' }]);
    expect(m([0, 1, 2])).toEqual([{ path: 'escalation.multipliers.0', message: 'must be a number > 0' }]);
    expect(m([1, '2', 3])).toEqual([{ path: 'escalation.multipliers.1', message: 'must be a number > 0' }]);
    expect(m([2, 2, 3])).toEqual([
      { path: 'escalation.multipliers.1', message: 'must be greater than the level before' },
    ]);
    expect(m([1, 3, 2])).toEqual([
      { path: 'escalation.multipliers.2', message: 'must be greater than the level before' },
    ]);
    expect(m([1, 2, Number.POSITIVE_INFINITY])).toEqual([
      { path: 'escalation.multipliers.2', message: 'must be a number > 0' },
    ]);
  });

  it('checks autoReassign and refuses unknown fields at every level', () => {
    expect(validateThresholdsPatch({ escalation: { autoReassign: 'yes', levels: 4 }, colour: 'blue' })).toEqual([
      { path: 'escalation.autoReassign', message: 'must be true or false' },
      { path: 'escalation.levels', message: 'unknown field' },
      { path: 'colour', message: 'unknown field' },
    ]);
    expect(validateThresholdsPatch({ escalation: null })).toEqual([
      { path: 'escalation', message: 'must be an object' },
    ]);
  });
});

describe('applyThresholdsPatch', () => {
  it('replaces the stages a patch names and keeps the rest', () => {
    const next = applyThresholdsPatch(doc(), { global: { approach: '5d' } });
    expect(next.global).toEqual({ ...DEFAULT_THRESHOLDS, approach: '5d' });
    expect(next.teams).toEqual({});
    expect(next.escalation).toEqual({ multipliers: [1, 2, 3], autoReassign: false });
  });

  it("merges a team's stages into its existing override", () => {
    const cur = doc({ teams: { alpha: { presentation: '2d' }, beta: { closing: '1d' } } });
    const next = applyThresholdsPatch(cur, { teams: { alpha: { approach: '4d' } } });
    expect(next.teams).toEqual({ alpha: { presentation: '2d', approach: '4d' }, beta: { closing: '1d' } });
  });

  it('removes a team override with null, and a whole team with null', () => {
    const cur = doc({ teams: { alpha: { presentation: '2d', approach: '4d' }, beta: { closing: '1d' } } });
    const patch = { teams: { alpha: { presentation: null }, beta: null } } as unknown as Partial<ThresholdsBody>;
    expect(applyThresholdsPatch(cur, patch).teams).toEqual({ alpha: { approach: '4d' } });
  });

  it('merges the escalation fields one by one', () => {
    const next = applyThresholdsPatch(doc(), { escalation: { autoReassign: true } } as Partial<ThresholdsBody>);
    expect(next.escalation).toEqual({ multipliers: [1, 2, 3], autoReassign: true });
  });

  it('leaves the current document as it was', () => {
    const cur = doc({ teams: { alpha: { presentation: '2d' } } });
    const before = JSON.parse(JSON.stringify(cur));
    applyThresholdsPatch(cur, {
      global: { approach: '1d' },
      teams: { alpha: { presentation: '1h' } },
      escalation: { multipliers: [1, 3, 5], autoReassign: true },
    });
    expect(cur).toEqual(before);
  });
});

describe('shortenedScopes', () => {
  const TEAMS = ['alpha', 'beta'];

  it('is empty when nothing got shorter (a longer threshold needs no push)', () => {
    expect(shortenedScopes(doc(), doc(), TEAMS)).toEqual([]);
    expect(shortenedScopes(doc(), applyThresholdsPatch(doc(), { global: { approach: '10d' } }), TEAMS)).toEqual([]);
    expect(
      shortenedScopes(
        doc(),
        applyThresholdsPatch(doc(), { escalation: { multipliers: [1, 3, 4], autoReassign: false } }),
        TEAMS,
      ),
    ).toEqual([]);
  });

  it('names every team of a shorter global stage, except a team whose own override still applies', () => {
    const before = doc({ teams: { beta: { approach: '9d' } } });
    const after = applyThresholdsPatch(before, { global: { approach: '2d' } });
    expect(shortenedScopes(before, after, TEAMS)).toEqual([{ team: 'alpha', stage: 'approach' }]);
  });

  it('names only the team whose override got shorter', () => {
    const after = applyThresholdsPatch(doc(), { teams: { alpha: { presentation: '2m' } } });
    expect(shortenedScopes(doc(), after, TEAMS)).toEqual([{ team: 'alpha', stage: 'presentation' }]);
  });

  it('names a team whose removed override was longer than the global one', () => {
    const before = doc({ teams: { beta: { closing: '30d' } } });
    const after = applyThresholdsPatch(before, { teams: { beta: null } } as unknown as Partial<ThresholdsBody>);
    expect(shortenedScopes(before, after, TEAMS)).toEqual([{ team: 'beta', stage: 'closing' }]);
  });

  it('names every team and stage when a multiplier got lower (every level may now be due sooner)', () => {
    const after = applyThresholdsPatch(doc(), { escalation: { multipliers: [1, 1.5, 3], autoReassign: false } });
    const scopes = shortenedScopes(doc(), after, TEAMS);
    expect(scopes).toHaveLength(TEAMS.length * OPEN_STAGES.length);
    expect(scopes).toContainEqual({ team: 'beta', stage: 'prospecting' });
  });

  it('names a stage that had no threshold before and has one now', () => {
    const before = doc({ global: { approach: '7d' } });
    const after = applyThresholdsPatch(before, { global: { closing: '7d' } });
    expect(shortenedScopes(before, after, ['alpha'])).toEqual([{ team: 'alpha', stage: 'closing' }]);
  });
});
