import type { BusinessHours } from '../../../../config/defaults';
import {
  businessHoursProblems,
  isValidTimeZone,
  isWithinBusinessHours,
  nextBusinessTime,
  offsetAt,
  parseClock,
  zonedParts,
  zonedTimeToUtc,
} from '../../../../workflows/policy/business-hours';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const wall = (timeZone: string, year: number, month: number, day: number, hour: number, minute = 0) =>
  iso(zonedTimeToUtc({ year, month, day, hour, minute }, timeZone));

const OFFICE: BusinessHours = { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };

describe('zonedParts', () => {
  it('reads the wall clock and ISO weekday of an instant in a time zone', () => {
    expect(zonedParts(at('2026-03-29T00:59:59Z'), 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 3,
      day: 29,
      hour: 1,
      minute: 59,
      second: 59,
      weekday: 7,
    });
    expect(zonedParts(at('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toMatchObject({ hour: 3, minute: 0, weekday: 7 });
    expect(zonedParts(at('2026-11-02T04:59:00Z'), 'America/New_York')).toMatchObject({ day: 1, hour: 23, weekday: 7 });
    expect(zonedParts(at('2026-11-02T05:00:00Z'), 'America/New_York')).toMatchObject({ day: 2, hour: 0, weekday: 1 });
    expect(zonedParts(at('2026-06-01T05:30:00Z'), 'Asia/Tehran')).toMatchObject({ hour: 9, minute: 0, weekday: 1 });
  });

  it('gives the same wall time twice across a fall-back', () => {
    const first = zonedParts(at('2026-10-25T00:30:00Z'), 'Europe/Berlin');
    const second = zonedParts(at('2026-10-25T01:30:00Z'), 'Europe/Berlin');
    expect(first).toEqual(second);
    expect(first).toMatchObject({ hour: 2, minute: 30 });
  });

  it('refuses an unknown time zone with a RangeError naming it', () => {
    expect(() => zonedParts(0, 'Mars/Olympus_Mons')).toThrow(/Mars\/Olympus_Mons/);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
  });
});

describe('zonedTimeToUtc', () => {
  it('maps Europe/Berlin wall times around the 2026-03-29 spring-forward, a gap time to the first valid instant', () => {
    expect(wall('Europe/Berlin', 2026, 3, 29, 1, 59)).toBe('2026-03-29T00:59:00.000Z');
    expect(wall('Europe/Berlin', 2026, 3, 29, 2, 0)).toBe('2026-03-29T01:00:00.000Z'); // gap
    expect(wall('Europe/Berlin', 2026, 3, 29, 2, 30)).toBe('2026-03-29T01:00:00.000Z'); // gap
    expect(wall('Europe/Berlin', 2026, 3, 29, 3, 0)).toBe('2026-03-29T01:00:00.000Z');
    expect(wall('Europe/Berlin', 2026, 3, 29, 3, 30)).toBe('2026-03-29T01:30:00.000Z');
    expect(wall('Europe/Berlin', 2026, 3, 30, 9, 0)).toBe('2026-03-30T07:00:00.000Z');
  });

  it('maps Europe/Berlin wall times around the 2026-10-25 fall-back, an ambiguous time to the earlier instant', () => {
    expect(wall('Europe/Berlin', 2026, 10, 25, 1, 59)).toBe('2026-10-24T23:59:00.000Z');
    expect(wall('Europe/Berlin', 2026, 10, 25, 2, 0)).toBe('2026-10-25T00:00:00.000Z'); // ambiguous, CEST
    expect(wall('Europe/Berlin', 2026, 10, 25, 2, 30)).toBe('2026-10-25T00:30:00.000Z'); // ambiguous, CEST
    expect(wall('Europe/Berlin', 2026, 10, 25, 3, 0)).toBe('2026-10-25T02:00:00.000Z');
    expect(wall('Europe/Berlin', 2026, 10, 26, 9, 0)).toBe('2026-10-26T08:00:00.000Z');
  });

  it('maps America/New_York wall times around the 2026-03-08 and 2026-11-01 transitions', () => {
    expect(wall('America/New_York', 2026, 3, 8, 1, 59)).toBe('2026-03-08T06:59:00.000Z');
    expect(wall('America/New_York', 2026, 3, 8, 2, 30)).toBe('2026-03-08T07:00:00.000Z'); // gap
    expect(wall('America/New_York', 2026, 3, 8, 3, 0)).toBe('2026-03-08T07:00:00.000Z');
    expect(wall('America/New_York', 2026, 3, 9, 9, 0)).toBe('2026-03-09T13:00:00.000Z');
    expect(wall('America/New_York', 2026, 11, 1, 0, 59)).toBe('2026-11-01T04:59:00.000Z');
    expect(wall('America/New_York', 2026, 11, 1, 1, 30)).toBe('2026-11-01T05:30:00.000Z'); // ambiguous, EDT
    expect(wall('America/New_York', 2026, 11, 1, 2, 0)).toBe('2026-11-01T07:00:00.000Z');
    expect(wall('America/New_York', 2026, 11, 2, 9, 0)).toBe('2026-11-02T14:00:00.000Z');
  });

  it('uses Asia/Tehran +03:30 all year (no DST since 2022)', () => {
    expect(wall('Asia/Tehran', 2026, 1, 15, 9, 0)).toBe('2026-01-15T05:30:00.000Z');
    expect(wall('Asia/Tehran', 2026, 6, 1, 9, 0)).toBe('2026-06-01T05:30:00.000Z');
    expect(offsetAt(at('2026-06-01T00:00:00Z'), 'Asia/Tehran')).toBe(3.5 * 3_600_000);
    // …but still knows the 2021 DST start at midnight
    expect(wall('Asia/Tehran', 2021, 3, 22, 0, 30)).toBe('2021-03-21T20:30:00.000Z');
  });

  it('handles the 30-minute DST of Australia/Lord_Howe', () => {
    expect(isValidTimeZone('Australia/Lord_Howe')).toBe(true);
    expect(wall('Australia/Lord_Howe', 2026, 10, 4, 1, 59)).toBe('2026-10-03T15:29:00.000Z');
    expect(wall('Australia/Lord_Howe', 2026, 10, 4, 2, 15)).toBe('2026-10-03T15:30:00.000Z'); // gap 02:00–02:30
    expect(wall('Australia/Lord_Howe', 2026, 10, 4, 2, 30)).toBe('2026-10-03T15:30:00.000Z');
    expect(wall('Australia/Lord_Howe', 2026, 4, 5, 1, 45)).toBe('2026-04-04T14:45:00.000Z'); // ambiguous, +11
    expect(wall('Australia/Lord_Howe', 2026, 4, 5, 2, 0)).toBe('2026-04-04T15:30:00.000Z');
  });

  it.each([
    ['Europe/Berlin', '2026-03-28T12:00:00Z'],
    ['Europe/Berlin', '2026-10-24T12:00:00Z'],
    ['America/New_York', '2026-03-07T18:00:00Z'],
    ['America/New_York', '2026-10-31T18:00:00Z'],
    ['Australia/Lord_Howe', '2026-04-04T00:00:00Z'],
    ['Australia/Lord_Howe', '2026-10-03T00:00:00Z'],
    ['Asia/Tehran', '2026-03-20T12:00:00Z'],
  ])('round-trips every quarter hour of the two days around a transition in %s from %s', (tz, from) => {
    for (let ms = at(from); ms < at(from) + 2 * 86_400_000; ms += 15 * 60_000) {
      const p = zonedParts(ms, tz);
      const back = zonedTimeToUtc(p, tz);
      // an ambiguous wall time maps to its earlier instant, never a later one
      expect(back).toBeLessThanOrEqual(ms);
      expect(ms - back).toBeLessThanOrEqual(3_600_000);
      expect(zonedParts(back, tz)).toEqual(p);
    }
  });
});

describe('nextBusinessTime', () => {
  it('keeps an instant that is already inside the window', () => {
    const ms = at('2026-06-10T08:00:00Z'); // Wednesday 10:00 in Berlin
    expect(nextBusinessTime(ms, OFFICE, 'Europe/Berlin')).toBe(ms);
    expect(isWithinBusinessHours(ms, OFFICE, 'Europe/Berlin')).toBe(true);
  });

  it('moves a Friday-evening time to Monday 09:00 local, across the Berlin fall-back', () => {
    const friday = at('2026-10-23T16:00:00Z'); // Friday 18:00 CEST
    expect(iso(nextBusinessTime(friday, OFFICE, 'Europe/Berlin'))).toBe('2026-10-26T08:00:00.000Z'); // Monday 09:00 CET
    expect(isWithinBusinessHours(friday, OFFICE, 'Europe/Berlin')).toBe(false);
  });

  it('moves a Friday-evening time to Monday 09:00 local, across the New York spring-forward', () => {
    const friday = at('2026-03-06T22:30:00Z'); // Friday 17:30 EST
    expect(iso(nextBusinessTime(friday, OFFICE, 'America/New_York'))).toBe('2026-03-09T13:00:00.000Z'); // Monday 09:00 EDT
  });

  it('treats the end as exclusive and the start as inclusive', () => {
    const end = at('2026-06-10T15:00:00Z'); // Wednesday 17:00 in Berlin
    expect(iso(nextBusinessTime(end, OFFICE, 'Europe/Berlin'))).toBe('2026-06-11T07:00:00.000Z');
    expect(isWithinBusinessHours(end - 1, OFFICE, 'Europe/Berlin')).toBe(true);
    const start = at('2026-06-11T07:00:00Z');
    expect(nextBusinessTime(start, OFFICE, 'Europe/Berlin')).toBe(start);
  });

  it('moves an early-morning time to 09:00 the same day', () => {
    expect(iso(nextBusinessTime(at('2026-06-09T05:00:00Z'), OFFICE, 'Europe/Berlin'))).toBe('2026-06-09T07:00:00.000Z');
  });

  it('returns the same instant for null hours (any time)', () => {
    const sundayNight = at('2026-03-29T01:30:00Z');
    expect(nextBusinessTime(sundayNight, null, 'Europe/Berlin')).toBe(sundayNight);
    expect(isWithinBusinessHours(sundayNight, null, 'Europe/Berlin')).toBe(true);
  });

  it('opens a window whose start lies in a DST gap at the first valid instant', () => {
    const sundayEarly: BusinessHours = { days: [7], start: '02:30', end: '04:00' };
    expect(iso(nextBusinessTime(at('2026-03-28T12:00:00Z'), sundayEarly, 'Europe/Berlin'))).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    expect(iso(nextBusinessTime(at('2026-03-07T12:00:00Z'), sundayEarly, 'America/New_York'))).toBe(
      '2026-03-08T07:00:00.000Z',
    );
  });

  it('skips a day whose whole window falls into a DST gap', () => {
    const tiny: BusinessHours = { days: [1, 2, 3, 4, 5, 6, 7], start: '02:00', end: '02:45' };
    // Sunday 01:30 EST: that day's 02:00–02:45 does not exist, so Monday 02:00 EDT
    expect(iso(nextBusinessTime(at('2026-03-08T06:30:00Z'), tiny, 'America/New_York'))).toBe(
      '2026-03-09T06:00:00.000Z',
    );
    expect(iso(nextBusinessTime(at('2026-03-07T07:10:00Z'), tiny, 'America/New_York'))).toBe(
      '2026-03-07T07:10:00.000Z',
    ); // Saturday 02:10 EST
  });

  it('follows a Saturday-to-Wednesday week in Asia/Tehran', () => {
    const iranWeek: BusinessHours = { days: [6, 7, 1, 2, 3], start: '09:00', end: '17:00' };
    const thursday = at('2026-06-04T06:30:00Z'); // Thursday 10:00
    expect(iso(nextBusinessTime(thursday, iranWeek, 'Asia/Tehran'))).toBe('2026-06-06T05:30:00.000Z'); // Saturday 09:00
  });

  it('accepts 24:00 as the end of the day', () => {
    const allDay: BusinessHours = { days: [1, 2, 3, 4, 5], start: '00:00', end: '24:00' };
    expect(isWithinBusinessHours(at('2026-06-12T21:59:00Z'), allDay, 'Europe/Berlin')).toBe(true); // Friday 23:59
    expect(iso(nextBusinessTime(at('2026-06-12T22:00:00Z'), allDay, 'Europe/Berlin'))).toBe('2026-06-14T22:00:00.000Z'); // Monday 00:00
  });

  it('refuses malformed hours and unknown zones with a RangeError', () => {
    expect(() => nextBusinessTime(0, { days: [], start: '09:00', end: '17:00' }, 'UTC')).toThrow(RangeError);
    expect(() => nextBusinessTime(0, { days: [1], start: '17:00', end: '09:00' }, 'UTC')).toThrow(
      /end: must be after start/,
    );
    expect(() => nextBusinessTime(0, OFFICE, 'Nowhere/Else')).toThrow(RangeError);
    expect(() => nextBusinessTime(Number.NaN, OFFICE, 'UTC')).toThrow(RangeError);
  });
});

describe('businessHoursProblems', () => {
  it('names each bad field', () => {
    expect(businessHoursProblems(OFFICE)).toEqual([]);
    expect(businessHoursProblems({ days: [0, 8], start: '9:00', end: '25:00', tz: 'x' })).toEqual([
      'tz: unknown field',
      'days: ISO weekdays 1..7 (1 = Monday), at least one',
      'start: must be HH:MM (00:00..23:59)',
      'end: must be HH:MM (00:01..24:00)',
    ]);
    expect(businessHoursProblems({ days: [1, 1], start: '10:00', end: '10:00' })).toEqual([
      'days: ISO weekdays 1..7, each at most once',
      'end: must be after start (10:00); windows across midnight are not supported',
    ]);
  });
});

describe('edge cases: the southern hemisphere, the date line, a repeated hour, tiny windows, old dates', () => {
  it('opens a window at the Australia/Sydney spring-forward (first Sunday of October) at the transition', () => {
    const sundayEarly: BusinessHours = { days: [7], start: '02:30', end: '04:00' };
    // 2026-10-04 02:00 AEST becomes 03:00 AEDT: 02:30 does not exist, so the window opens at 16:00Z
    expect(iso(nextBusinessTime(at('2026-10-03T00:00:00Z'), sundayEarly, 'Australia/Sydney'))).toBe(
      '2026-10-03T16:00:00.000Z',
    );
    expect(wall('Australia/Sydney', 2026, 10, 3, 9, 0)).toBe('2026-10-02T23:00:00.000Z'); // +10
    expect(wall('Australia/Sydney', 2026, 10, 4, 9, 0)).toBe('2026-10-03T22:00:00.000Z'); // +11
  });

  it('keeps a window on the repeated hour of a fall-back open for both passes of it', () => {
    const repeated: BusinessHours = { days: [7], start: '02:00', end: '03:00' };
    // Berlin 2026-10-25: 02:00 CEST (00:00Z) … 03:00 CET (02:00Z) is two real hours
    expect(iso(nextBusinessTime(at('2026-10-24T12:00:00Z'), repeated, 'Europe/Berlin'))).toBe(
      '2026-10-25T00:00:00.000Z',
    );
    expect(isWithinBusinessHours(at('2026-10-25T00:30:00Z'), repeated, 'Europe/Berlin')).toBe(true); // 02:30 CEST
    expect(isWithinBusinessHours(at('2026-10-25T01:30:00Z'), repeated, 'Europe/Berlin')).toBe(true); // 02:30 CET
    expect(isWithinBusinessHours(at('2026-10-25T02:00:00Z'), repeated, 'Europe/Berlin')).toBe(false); // 03:00 CET, the end
  });

  it('puts office hours on the right UTC day at both ends of the date line', () => {
    const saturdayNoonUtc = at('2026-06-06T12:00:00Z');
    // +14: Sunday 02:00 local → Monday 09:00 local, still Sunday in UTC
    expect(iso(nextBusinessTime(saturdayNoonUtc, OFFICE, 'Pacific/Kiritimati'))).toBe('2026-06-07T19:00:00.000Z');
    // −11: Saturday 01:00 local → Monday 09:00 local, Monday evening in UTC
    expect(iso(nextBusinessTime(saturdayNoonUtc, OFFICE, 'Pacific/Pago_Pago'))).toBe('2026-06-08T20:00:00.000Z');
  });

  it('treats a one-minute window like any other: its end is exclusive, so the next one is a week later', () => {
    const oneMinute: BusinessHours = { days: [3], start: '12:00', end: '12:01' };
    expect(isWithinBusinessHours(at('2026-06-10T10:00:59Z'), oneMinute, 'Europe/Berlin')).toBe(true);
    expect(iso(nextBusinessTime(at('2026-06-10T10:01:00Z'), oneMinute, 'Europe/Berlin'))).toBe(
      '2026-06-17T10:00:00.000Z',
    );
  });

  it('reads instants before 1970 and wall times in years below 100', () => {
    expect(zonedParts(-86_400_000, 'America/New_York')).toEqual({
      year: 1969,
      month: 12,
      day: 30,
      hour: 19,
      minute: 0,
      second: 0,
      weekday: 2,
    });
    expect(zonedParts(0, 'UTC')).toMatchObject({ year: 1970, month: 1, day: 1, weekday: 4 });
    expect(wall('UTC', 50, 1, 1, 0, 0)).toBe('0050-01-01T00:00:00.000Z'); // not 1950
  });

  it('parses HH:MM clocks strictly, with 24:00 only as an end', () => {
    expect(parseClock('00:00')).toBe(0);
    expect(parseClock('23:59')).toBe(1439);
    expect(parseClock('24:00')).toBeUndefined();
    expect(parseClock('24:00', true)).toBe(1440);
    for (const bad of ['7:00', '12:60', '24:01', '12h', '', ' 09:00', 900, null])
      expect(parseClock(bad, true)).toBeUndefined();
  });

  it('refuses time zones that are not strings or are empty', () => {
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone(undefined as unknown as string)).toBe(false);
    expect(isValidTimeZone('UTC')).toBe(true);
  });
});
