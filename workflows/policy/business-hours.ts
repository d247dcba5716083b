/**
 * Business hours in a lead's IANA time zone (docs/ARCHITECTURE.md §9). Pure and deterministic: no Node built-ins,
 * no Temporal import, no clock. It runs inside the workflow sandbox, so time-zone math uses only
 * `Intl.DateTimeFormat` (the sandbox has it) and `Date.UTC` / `new Date(ms)` for calendar fields.
 *
 * A window is [start, end) in local wall-clock time on the listed ISO weekdays (1 = Monday).
 * "24:00" is accepted as an end (midnight at the end of the day). Windows that cross midnight
 * (22:00–06:00) are not supported: end must be after start.
 */
import type { BusinessHours } from '../../config/defaults';

export type { BusinessHours };

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday */
  weekday: number;
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
}

const DAY = 86_400_000;
/** 400 Gregorian years, to lift years 0..99 out of Date.UTC's 1900 mapping. */
const FOUR_CENTURIES_MS = 146_097 * DAY;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new RangeError(`"${timeZone}" is not an IANA time zone such as Europe/Berlin`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** The shape of an IANA zone name ("UTC", "Europe/Berlin", "Etc/GMT+1"); refuses offsets such as "+01:00". */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * True when `timeZone` is an IANA time-zone name this runtime knows. The one time-zone check of
 * dealflow: lead input, digest schedules and the e-mail templates use it.
 */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.length === 0 || timeZone.length > 64 || !ZONE_NAME.test(timeZone))
    return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds of a wall time read as if it were UTC (fields may overflow: day 32, hour 24 …). */
function wallMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  if (year >= 0 && year < 100) return Date.UTC(year + 400, month - 1, day, hour, minute, second) - FOUR_CENTURIES_MS;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function isoWeekday(year: number, month: number, day: number): number {
  const d = new Date(wallMs(year, month, day)).getUTCDay(); // 0 = Sunday
  return d === 0 ? 7 : d;
}

function assertInstant(ms: number, what = 'instant'): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms))
    throw new RangeError(`${what} must be a finite number of milliseconds, got ${String(ms)}`);
}

/** The wall-clock fields of instant `ms` in `timeZone` (seconds truncated, weekday ISO 1..7). */
export function zonedParts(ms: number, timeZone: string): ZonedParts {
  assertInstant(ms);
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(timeZone).formatToParts(ms)) {
    if (part.type in out) out[part.type as keyof typeof out] = Number(part.value);
  }
  if (out.hour === 24) out.hour = 0; // very old ICU data with h24 despite hourCycle
  return { ...out, weekday: isoWeekday(out.year, out.month, out.day) };
}

/** The zone's UTC offset at instant `ms`, in ms (whole seconds), e.g. +3_600_000 for CET. */
export function offsetAt(ms: number, timeZone: string): number {
  const p = zonedParts(ms, timeZone);
  return wallMs(p.year, p.month, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The UTC instant of a local wall time in `timeZone`. DST-correct:
 * - a wall time that happens twice (fall back) gives the earlier instant;
 * - a wall time that does not exist (spring-forward gap) gives the first instant after the gap,
 *   i.e. the transition itself (Berlin 2026-03-29 02:30 → 03:00 CEST = 01:00Z).
 * Fields may overflow (hour 24 = next day's 00:00) as with Date.UTC.
 */
export function zonedTimeToUtc(parts: WallTime, timeZone: string): number {
  const local = wallMs(parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second ?? 0);
  assertInstant(local, 'wall time');
  // Offsets never exceed ±14 h, so a day either side lies before and after the instant we want.
  const before = offsetAt(local - DAY, timeZone);
  const after = offsetAt(local + DAY, timeZone);
  const tried = new Set<number>();
  const valid: number[] = [];
  const consider = (offset: number) => {
    if (tried.has(offset)) return;
    tried.add(offset);
    const t = local - offset;
    const actual = offsetAt(t, timeZone);
    if (actual === offset) valid.push(t);
    else consider(actual); // correct the guess with the offset found there
  };
  consider(before);
  consider(after);
  if (valid.length > 0) return Math.min(...valid);

  // A gap: find the first instant whose wall time is at or past `local` (the transition).
  let lo = local - Math.max(before, after); // wall time here is before the gap
  let hi = local - Math.min(before, after); // wall time here is after the gap
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (mid + offsetAt(mid, timeZone) >= local) hi = mid;
    else lo = mid;
  }
  return hi;
}

// ---------------------------------------------------------------------------------------------
// Windows

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of "HH:MM" ("24:00" only when `allowEndOfDay`); undefined when malformed. */
export function parseClock(text: unknown, allowEndOfDay = false): number | undefined {
  if (typeof text !== 'string') return undefined;
  if (allowEndOfDay && text === '24:00') return 24 * 60;
  const m = CLOCK.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/**
 * What is wrong with a business-hours object, as `field: problem` strings relative to it
 * (`days: …`, `start: …`, `end: …`, `<key>: unknown field`); empty when it is usable.
 */
export function businessHoursProblems(hours: unknown): string[] {
  if (typeof hours !== 'object' || hours === null || Array.isArray(hours)) {
    return ['(businessHours): must be {days, start, end} or null for any time'];
  }
  const h = hours as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(h)) {
    if (key !== 'days' && key !== 'start' && key !== 'end') problems.push(`${key}: unknown field`);
  }
  const days = h.days;
  if (
    !Array.isArray(days) ||
    days.length === 0 ||
    days.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > 7)
  ) {
    problems.push('days: ISO weekdays 1..7 (1 = Monday), at least one');
  } else if (new Set(days).size !== days.length) {
    problems.push('days: ISO weekdays 1..7, each at most once');
  }
  const start = parseClock(h.start);
  const end = parseClock(h.end, true);
  if (start === undefined) problems.push('start: must be HH:MM (00:00..23:59)');
  if (end === undefined) problems.push('end: must be HH:MM (00:01..24:00)');
  if (start !== undefined && end !== undefined && end <= start) {
    problems.push(`end: must be after start (${String(h.start)}); windows across midnight are not supported`);
  }
  return problems;
}

interface Window {
  days: boolean[]; // index 1..7
  start: number; // minutes
  end: number;
}

function toWindow(hours: BusinessHours): Window {
  const problems = businessHoursProblems(hours);
  if (problems.length > 0) throw new RangeError(`invalid business hours: ${problems.join('; ')}`);
  const days = new Array<boolean>(8).fill(false);
  for (const d of hours.days) days[d] = true;
  return { days, start: parseClock(hours.start)!, end: parseClock(hours.end, true)! };
}

/**
 * The earliest instant ≥ `ms` inside the business window in `timeZone`: `ms` itself when it is
 * already inside (or `hours` is null = any time), else the start of the next window. A window
 * whose start falls in a DST gap opens at the first valid instant after the gap.
 * Throws RangeError on malformed hours or an unknown time zone (validate config up front).
 */
export function nextBusinessTime(ms: number, hours: BusinessHours | null, timeZone: string): number {
  assertInstant(ms);
  if (hours === null) return ms;
  const w = toWindow(hours);
  const today = zonedParts(ms, timeZone);
  // Start a day early: a fall-back at midnight can put `ms` on a local date after its window's.
  for (let i = -1; i <= 15; i++) {
    const date = new Date(wallMs(today.year, today.month, today.day + i));
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    if (!w.days[isoWeekday(year, month, day)]) continue;
    const end = zonedTimeToUtc({ year, month, day, hour: 0, minute: w.end }, timeZone);
    if (ms >= end) continue;
    const start = zonedTimeToUtc({ year, month, day, hour: 0, minute: w.start }, timeZone);
    if (end <= start) continue; // the whole window fell into a DST gap
    return Math.max(ms, start);
  }
  // Unreachable with a non-empty day list; kept so a logic error is loud rather than silent.
  throw new RangeError(`no business time within two weeks of ${new Date(ms).toISOString()} in ${timeZone}`);
}

/** True when `ms` lies inside the business window (always true for `null` hours). */
export function isWithinBusinessHours(ms: number, hours: BusinessHours | null, timeZone: string): boolean {
  return nextBusinessTime(ms, hours, timeZone) === ms;
}
