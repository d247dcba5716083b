/** The one duration format (workflows/policy/duration.ts): units, bare numbers, zero, huge values, bad text. */
import { DEFAULT_FOLLOW_UP, DEFAULT_TASK_DUE, DEFAULT_THRESHOLDS } from '../../../../config/defaults';
import {
  durationMs,
  durationProblem,
  formatDuration,
  MAX_DURATION_MS,
  parseDuration,
  splitDuration,
} from '../../../../workflows/policy/duration';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['90s', 90 * S],
    ['15m', 15 * M],
    ['3d', 3 * D],
    ['1.5h', 1.5 * H],
    ['500ms', 500],
    ['2 weeks', 14 * D],
    ['1w', 7 * D],
    ['5min', 5 * M],
    ['5 mins', 5 * M],
    ['2hrs', 2 * H],
    ['1 day', D],
    ['10 seconds', 10 * S],
    ['3D', 3 * D], // units are case-insensitive
    ['  3d  ', 3 * D], // surrounding blanks are ignored
    ['2.5s', 2500],
    ['0.4ms', 0], // rounded to whole milliseconds
    ['1500', 1500], // a bare number is milliseconds
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('accepts zero in every form (callers decide whether zero is allowed)', () => {
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration(0)).toBe(0);
  });

  it('takes a number as milliseconds when it is finite and not negative', () => {
    expect(parseDuration(1234)).toBe(1234);
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(Number.NaN)).toBeUndefined();
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it('keeps huge but finite durations exact to the millisecond, and refuses one that overflows', () => {
    expect(parseDuration('100000w')).toBe(100_000 * 7 * D);
    expect(parseDuration(`1${'0'.repeat(400)}ms`)).toBeUndefined(); // Infinity
  });

  it.each(['soon', '', '   ', '-3d', '3dd', '3 days ago', 'd3', '1e3', '3,5h', '1h30m', '3y', '3months', '.5h'])(
    'refuses %j',
    (text) => expect(parseDuration(text)).toBeUndefined(),
  );

  it('parses every default in config/defaults.ts (the fresh install must be valid)', () => {
    const texts = [
      ...Object.values(DEFAULT_THRESHOLDS),
      ...Object.values(DEFAULT_TASK_DUE),
      DEFAULT_FOLLOW_UP.thankYou,
      DEFAULT_FOLLOW_UP.surveyAfter,
      DEFAULT_FOLLOW_UP.surveyReminderAfter,
      DEFAULT_FOLLOW_UP.detractorSla,
      ...DEFAULT_FOLLOW_UP.checkIns,
    ];
    for (const t of texts) expect(parseDuration(t)).toEqual(expect.any(Number));
    expect(parseDuration(DEFAULT_THRESHOLDS.approach)).toBe(7 * D);
    expect(parseDuration(DEFAULT_FOLLOW_UP.surveyAfter)).toBe(14 * D);
  });
});

describe('durationMs', () => {
  it('returns the same value as parseDuration for good text', () => {
    expect(durationMs('2d')).toBe(2 * D);
    expect(durationMs(0)).toBe(0);
  });

  it('throws a RangeError that quotes the text', () => {
    expect(() => durationMs('soon')).toThrow(RangeError);
    expect(() => durationMs('soon')).toThrow('"soon" is not a duration such as "90s", "15m" or "3d"');
    expect(() => durationMs(-5)).toThrow('"-5" is not a duration');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [-5, '0s'],
    [1, '1ms'],
    [500, '500ms'],
    [1500, '1s'], // milliseconds are shown only below a second
    [90 * S, '1m30s'],
    [H, '1h'],
    [D + H + M + S, '1d1h1m1s'],
    [3 * D + 500, '3d'],
    [14 * D, '14d'], // days, not weeks
    [365 * D, '365d'],
  ])('%d ms reads %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('reads back to the same number of milliseconds for whole seconds', () => {
    for (const ms of [S, 59 * S, 61 * S, 25 * H, 3 * D + 4 * H + 5 * M + 6 * S]) {
      const text = formatDuration(ms);
      const back = text.match(/\d+[dhms]/g)!.reduce((sum, part) => sum + parseDuration(part)!, 0);
      expect(back).toBe(ms);
    }
  });
});

describe('splitDuration', () => {
  it.each([
    ['5min', { count: 5, unit: 'm' }],
    ['5 mins', { count: 5, unit: 'm' }],
    ['2hrs', { count: 2, unit: 'h' }],
    ['1.5 Weeks', { count: 1.5, unit: 'w' }],
    ['250 msec', { count: 250, unit: 'ms' }],
    ['1500', { count: 1500, unit: 'ms' }],
  ])('%j is %j', (text, parts) => {
    expect(splitDuration(text)).toEqual(parts);
  });

  it.each(['soon', '1h30m', '3y', '-3d'])('refuses %j', (text) => expect(splitDuration(text)).toBeUndefined());
});

describe('durationProblem (input validation: grammar, zero, maximum)', () => {
  it('accepts every unit spelling of the grammar, "5min" included', () => {
    for (const t of ['5min', '5 mins', '5m', '5 minutes', '300s', '300000', '2hrs', '1 week'])
      expect(durationProblem(t)).toBeUndefined();
  });

  it('refuses zero unless the field allows it', () => {
    expect(durationProblem('0s')).toBe('must be longer than zero');
    expect(durationProblem('0s', { allowZero: true })).toBeUndefined();
  });

  it('allows exactly the maximum (3650 days) and refuses anything longer', () => {
    expect(MAX_DURATION_MS).toBe(3650 * D);
    expect(durationProblem('3650d')).toBeUndefined();
    expect(durationProblem('521w')).toBeUndefined();
    expect(durationProblem('3651d')).toBe('must be at most 3650d');
    expect(durationProblem('100000000d')).toBe('must be at most 3650d');
    expect(durationProblem('100000w')).toBe('must be at most 3650d');
    expect(durationProblem(`1${'0'.repeat(400)}ms`)).toMatch(/is not a duration/);
  });

  it('takes a narrower maximum from the caller', () => {
    expect(durationProblem('366d', { max: 365 * D })).toBe('must be at most 365d');
  });

  it('refuses text outside the grammar and values that are not text, quoting at most 80 characters', () => {
    expect(durationProblem('soon')).toBe('"soon" is not a duration such as "90s", "15m" or "3d"');
    expect(durationProblem(5)).toBe('must be a duration such as "90s", "15m" or "3d"');
    expect(durationProblem(null)).toBe('must be a duration such as "90s", "15m" or "3d"');
    expect(durationProblem('x'.repeat(500))).toBe(`"${'x'.repeat(80)}" is not a duration such as "90s", "15m" or "3d"`);
  });
});
