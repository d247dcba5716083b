/** Which stage moves are legal (workflows/policy/transitions.ts): every (stage, status, target) pair. */
import { OPEN_STAGES, STAGES, STATUSES, type Stage, type Status } from '../../../../config/defaults';
import { acceptsActivity, checkClose, checkMove, isStage } from '../../../../workflows/policy/transitions';

const CLOSED: Status[] = ['won', 'lost', 'disqualified', 'completed'];

describe('isStage', () => {
  it.each(STAGES)('knows %s', (s) => expect(isStage(s)).toBe(true));
  it.each(['warp', '', 'Prospecting', 'follow-up', ' approach', 'open'])('refuses %j', (s) =>
    expect(isStage(s)).toBe(false),
  );
});

describe('checkMove on an open deal', () => {
  // every open stage to every other open stage, forwards (skips included) and backwards
  const pairs = OPEN_STAGES.flatMap((from) => OPEN_STAGES.filter((to) => to !== from).map((to) => [from, to] as const));

  it.each(pairs)('%s → %s is allowed', (from, to) => {
    expect(checkMove({ stage: from, status: 'open' }, to)).toEqual({ ok: true });
  });

  it.each(OPEN_STAGES)('%s → itself is refused as same_stage', (s) => {
    expect(checkMove({ stage: s, status: 'open' }, s)).toEqual({
      ok: false,
      code: 'same_stage',
      reason: `the deal is already in ${s}`,
    });
  });

  it.each(OPEN_STAGES)('%s → follow_up is refused: only a win enters follow_up', (s) => {
    expect(checkMove({ stage: s, status: 'open' }, 'follow_up')).toEqual({
      ok: false,
      code: 'follow_up_only_by_won',
      reason: 'follow_up is entered only by marking the deal won',
    });
  });

  it('refuses an unknown stage and lists the stages in order', () => {
    expect(checkMove({ stage: 'approach', status: 'open' }, 'warp')).toEqual({
      ok: false,
      code: 'unknown_stage',
      reason:
        'unknown stage "warp"; stages are prospecting, preparation, approach, presentation, objections, closing, follow_up',
    });
  });
});

describe('checkMove on a closed deal', () => {
  const cases = CLOSED.flatMap((status) => STAGES.map((to) => [status, to] as const));

  it.each(cases)('a %s deal cannot be moved to %s', (status, to) => {
    const stage: Stage = status === 'won' || status === 'completed' ? 'follow_up' : 'closing';
    expect(checkMove({ stage, status }, to)).toEqual({
      ok: false,
      code: 'closed',
      reason: `the deal is ${status}; a closed deal cannot be moved`,
    });
  });

  it("names an unknown stage before the deal being closed (the caller's typo is the first thing to fix)", () => {
    expect(checkMove({ stage: 'follow_up', status: 'won' }, 'warp')).toMatchObject({
      ok: false,
      code: 'unknown_stage',
    });
  });
});

describe('checkClose', () => {
  const outcomes = ['won', 'lost', 'disqualified'] as const;

  it.each(outcomes)('an open deal may be marked %s', (outcome) => {
    expect(checkClose({ status: 'open' }, outcome)).toEqual({ ok: true });
  });

  it.each(CLOSED.flatMap((status) => outcomes.map((outcome) => [status, outcome] as const)))(
    'a %s deal cannot be marked %s',
    (status, outcome) => {
      expect(checkClose({ status }, outcome)).toEqual({
        ok: false,
        code: 'closed',
        reason: `the deal is already ${status}; it cannot be marked ${outcome}`,
      });
    },
  );
});

describe('acceptsActivity', () => {
  it('takes calls, notes and replies while the deal is open or won (the follow-up), never after', () => {
    const accepted = STATUSES.filter((s) => acceptsActivity(s));
    expect(accepted).toEqual(['open', 'won']);
  });
});
