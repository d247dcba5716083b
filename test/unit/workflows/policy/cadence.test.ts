import { DEFAULT_CADENCE } from '../../../../config/defaults';
import {
  MAX_CADENCE_STEPS,
  nextStepTime,
  planCadence,
  validateCadence,
  type Cadence,
} from '../../../../workflows/policy/cadence';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const NY = 'America/New_York';
const TEMPLATES = ['approach_intro', 'approach_followup_1', 'approach_followup_2', 'approach_breakup'];

function schedule(enteredAt: string, cadence: Cadence, tz: string) {
  return planCadence(at(enteredAt), cadence, tz).map((s) => ({
    index: s.index,
    template: s.template,
    due: iso(s.dueAtMs),
    send: iso(s.sendAtMs),
  }));
}

describe('planCadence', () => {
  it('the default cadence has offsets 0, 2d, 3d, 4d after the previous step: days 0, 2, 5, 9', () => {
    expect(DEFAULT_CADENCE.steps.map((s) => s.after)).toEqual(['0s', '2d', '3d', '4d']);
    const anyTime: Cadence = { ...DEFAULT_CADENCE, businessHours: null };
    expect(schedule('2026-10-30T22:00:00Z', anyTime, NY).map((s) => s.send)).toEqual([
      '2026-10-30T22:00:00.000Z', // day 0
      '2026-11-01T22:00:00.000Z', // day 2
      '2026-11-04T22:00:00.000Z', // day 5
      '2026-11-08T22:00:00.000Z', // day 9
    ]);
  });

  it('sends a New York lead entering approach on Friday afternoon before the November DST change in its business hours', () => {
    // Friday 2026-10-30 16:30 EDT (UTC−4); the clocks go back on Sunday 2026-11-01.
    expect(schedule('2026-10-30T20:30:00Z', DEFAULT_CADENCE, NY)).toEqual([
      { index: 0, template: 'approach_intro', due: '2026-10-30T20:30:00.000Z', send: '2026-10-30T20:30:00.000Z' }, // Fri 16:30 EDT
      { index: 1, template: 'approach_followup_1', due: '2026-11-01T20:30:00.000Z', send: '2026-11-02T14:00:00.000Z' }, // Sun 15:30 EST → Mon 09:00 EST
      { index: 2, template: 'approach_followup_2', due: '2026-11-05T14:00:00.000Z', send: '2026-11-05T14:00:00.000Z' }, // Thu 09:00 EST
      { index: 3, template: 'approach_breakup', due: '2026-11-09T14:00:00.000Z', send: '2026-11-09T14:00:00.000Z' }, // Mon 09:00 EST
    ]);
  });

  it('pushes every step of a lead entering on Friday evening into the window, each after the previous send', () => {
    // Friday 2026-10-30 18:00 EDT: after hours.
    expect(schedule('2026-10-30T22:00:00Z', DEFAULT_CADENCE, NY)).toEqual([
      { index: 0, template: 'approach_intro', due: '2026-10-30T22:00:00.000Z', send: '2026-11-02T14:00:00.000Z' }, // → Mon 09:00 EST
      { index: 1, template: 'approach_followup_1', due: '2026-11-04T14:00:00.000Z', send: '2026-11-04T14:00:00.000Z' }, // Wed 09:00
      { index: 2, template: 'approach_followup_2', due: '2026-11-07T14:00:00.000Z', send: '2026-11-09T14:00:00.000Z' }, // Sat → Mon 09:00
      { index: 3, template: 'approach_breakup', due: '2026-11-13T14:00:00.000Z', send: '2026-11-13T14:00:00.000Z' }, // Fri 09:00
    ]);
  });

  it('counts `after` as elapsed time, so across the DST change the due wall time moves by the hour', () => {
    const twoSteps: Cadence = {
      steps: [
        { after: '0s', template: 'approach_intro' },
        { after: '3d', template: 'approach_followup_1' },
      ],
      businessHours: DEFAULT_CADENCE.businessHours,
    };
    // Friday 2026-10-30 09:30 EDT + 72 h = Monday 08:30 EST (not 09:30), before the window → 09:00 EST.
    const plan = schedule('2026-10-30T13:30:00Z', twoSteps, NY);
    expect(plan[0]).toMatchObject({ send: '2026-10-30T13:30:00.000Z' });
    expect(plan[1]).toMatchObject({ due: '2026-11-02T13:30:00.000Z', send: '2026-11-02T14:00:00.000Z' });
  });
});

describe('nextStepTime', () => {
  it('plans one step from the previous send, so a changed cadence applies from the next step', () => {
    const prev = at('2026-11-02T14:00:00Z'); // step 1 went out Monday 09:00 EST
    expect(nextStepTime(prev, { after: '3d' }, DEFAULT_CADENCE.businessHours, NY)).toEqual({
      dueAtMs: at('2026-11-05T14:00:00Z'),
      sendAtMs: at('2026-11-05T14:00:00Z'),
    });
    // the cadence changed meanwhile: one day later, afternoons only
    const afternoons = { days: [1, 2, 3, 4, 5], start: '13:00', end: '17:00' };
    expect(iso(nextStepTime(prev, { after: '1 day' }, afternoons, NY).sendAtMs)).toBe('2026-11-03T18:00:00.000Z');
  });

  it('throws a RangeError on a step whose delay is not a duration', () => {
    expect(() => nextStepTime(0, { after: 'soon' }, null, NY)).toThrow(RangeError);
  });
});

describe('validateCadence', () => {
  it('accepts the default cadence and one without business hours', () => {
    expect(validateCadence(DEFAULT_CADENCE, TEMPLATES)).toEqual([]);
    expect(validateCadence({ ...DEFAULT_CADENCE, businessHours: null }, TEMPLATES)).toEqual([]);
  });

  it('names the field of every problem', () => {
    const bad = {
      steps: [
        { after: '0s', template: 'approach_intro' },
        { after: '2d', template: 'approach_followup_1', extra: 1 },
        { after: 'two days', template: 'approach_followup_2' },
        { after: '400d', template: 'no_such_template' },
        { after: '1d' },
        'x',
      ],
      businessHours: { days: [1, 9], start: '9am', end: '17:00' },
      colour: 'blue',
    };
    expect(validateCadence(bad, TEMPLATES)).toEqual([
      'colour: unknown field',
      'steps.1.extra: unknown field',
      'steps.2.after: "two days" is not a duration such as "90s", "15m" or "3d"',
      'steps.3.after: must be at most 365d',
      'steps.3.template: unknown template "no_such_template"',
      'steps.4.template: required (a template name)',
      'steps.5: must be an object {after, template}',
      'businessHours.days: ISO weekdays 1..7 (1 = Monday), at least one',
      'businessHours.start: must be HH:MM (00:00..23:59)',
    ]);
  });

  it('wants 1..20 steps, business hours or null, and an end after the start', () => {
    expect(validateCadence({ steps: [], businessHours: null }, TEMPLATES)).toEqual([
      `steps: must have 1..${MAX_CADENCE_STEPS} steps, got 0`,
    ]);
    const many = Array.from({ length: 21 }, () => ({ after: '1d', template: 'approach_intro' }));
    expect(validateCadence({ steps: many, businessHours: null }, TEMPLATES)).toEqual([
      'steps: must have 1..20 steps, got 21',
    ]);
    expect(validateCadence({ steps: [{ after: '0s', template: 'approach_intro' }] }, TEMPLATES)).toEqual([
      'businessHours: required (an object, or null for any time)',
    ]);
    expect(
      validateCadence(
        {
          steps: [{ after: '0s', template: 'approach_intro' }],
          businessHours: { days: [1], start: '17:00', end: '09:00' },
        },
        TEMPLATES,
      ),
    ).toEqual(['businessHours.end: must be after start (17:00); windows across midnight are not supported']);
    expect(
      validateCadence({ steps: [{ after: '0s', template: 'approach_intro' }], businessHours: 'weekdays' }, TEMPLATES),
    ).toEqual(['businessHours: must be {days, start, end} or null for any time']);
    expect(validateCadence('default', TEMPLATES)).toEqual(['(cadence): must be an object {steps, businessHours}']);
  });
});

describe('edge cases: zero and the longest delays, empty plans', () => {
  const OFFICE = DEFAULT_CADENCE.businessHours;

  it('sends zero-delay steps together, at the first business instant', () => {
    const burst: Cadence = {
      steps: [
        { after: '0s', template: 'approach_intro' },
        { after: '0s', template: 'approach_followup_1' },
      ],
      businessHours: OFFICE,
    };
    // Saturday 12:00 in Berlin → Monday 09:00 CEST for both
    expect(schedule('2026-06-13T10:00:00Z', burst, 'Europe/Berlin').map((s) => s.send)).toEqual([
      '2026-06-15T07:00:00.000Z',
      '2026-06-15T07:00:00.000Z',
    ]);
  });

  it('plans the longest step (365d) to the same wall time a year later', () => {
    const yearLater: Cadence = { steps: [{ after: '365d', template: 'approach_intro' }], businessHours: OFFICE };
    expect(schedule('2026-06-10T10:00:00Z', yearLater, 'Europe/Berlin')).toEqual([
      { index: 0, template: 'approach_intro', due: '2027-06-10T10:00:00.000Z', send: '2027-06-10T10:00:00.000Z' },
    ]);
  });

  it('plans nothing for a cadence without steps', () => {
    expect(planCadence(0, { steps: [], businessHours: null }, 'UTC')).toEqual([]);
  });

  it('accepts exactly 20 steps and exactly 365d, and refuses a longer step or a delay that is not text', () => {
    const twenty = Array.from({ length: MAX_CADENCE_STEPS }, () => ({ after: '365d', template: 'approach_intro' }));
    expect(validateCadence({ steps: twenty, businessHours: null }, TEMPLATES)).toEqual([]);
    expect(
      validateCadence({ steps: [{ after: '8761h', template: 'approach_intro' }], businessHours: null }, TEMPLATES),
    ).toEqual(['steps.0.after: must be at most 365d']);
    expect(
      validateCadence({ steps: [{ after: 1000, template: 'approach_intro' }], businessHours: null }, TEMPLATES),
    ).toEqual(['steps.0.after: must be a duration such as "90s", "15m" or "3d"']);
  });
});
