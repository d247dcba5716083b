/**
 * The one duration grammar of dealflow (docs/CONFIG.md, "Durations"). Pure (no Node built-ins), so
 * workflows, the API's validation, the environment check and the e-mail templates all read "3d" the
 * same way.
 *
 * Grammar (case-insensitive, blanks around the text and between number and unit allowed):
 *
 *     duration := number [unit]
 *     number   := digits [ "." digits ]          (no sign, no exponent, no leading ".")
 *     unit     := ms | msec(s) | millisecond(s)
 *               | s | sec(s) | second(s)
 *               | m | min(s) | minute(s)
 *               | h | hr(s) | hour(s)
 *               | d | day(s)
 *               | w | week(s)
 *
 * A bare number is milliseconds. The value is rounded to whole milliseconds. Compound forms
 * ("1h30m"), months and years are not durations (their length varies).
 *
 * Parsing accepts any finite value (a running lead's recorded settings keep their meaning);
 * input validation (`durationProblem`) also refuses anything longer than MAX_DURATION_MS.
 */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w';

const UNIT_MS: Record<DurationUnit, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const UNITS: Record<string, DurationUnit> = {
  ms: 'ms',
  msec: 'ms',
  msecs: 'ms',
  millisecond: 'ms',
  milliseconds: 'ms',
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  m: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  d: 'd',
  day: 'd',
  days: 'd',
  w: 'w',
  week: 'w',
  weeks: 'w',
};

const RE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** The longest duration any setting may hold: 3650 days (ten years). */
export const MAX_DURATION_MS = 3650 * UNIT_MS.d;

/**
 * Splits duration text into its number and canonical unit ("5 mins" → {count: 5, unit: 'm'});
 * undefined when the text does not follow the grammar. A bare number has unit 'ms'.
 */
export function splitDuration(text: string): { count: number; unit: DurationUnit } | undefined {
  const m = RE.exec(text.trim());
  if (!m) return undefined;
  const unit = UNITS[m[2].toLowerCase() || 'ms'];
  if (unit === undefined) return undefined;
  return { count: Number(m[1]), unit };
}

/** Parses a duration to milliseconds; returns undefined when the text is not one. Zero is allowed here; callers decide. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const parts = splitDuration(text);
  if (!parts) return undefined;
  const value = parts.count * UNIT_MS[parts.unit];
  return Number.isFinite(value) ? Math.round(value) : undefined;
}

/**
 * Why `value` is not an acceptable duration setting, or undefined when it is: not text in the
 * grammar, zero where `allowZero` is false, or longer than `max` (default MAX_DURATION_MS).
 * Validators put the message under the field's path (a 400 naming the field).
 */
export function durationProblem(value: unknown, opts: { allowZero?: boolean; max?: number } = {}): string | undefined {
  const max = opts.max ?? MAX_DURATION_MS;
  if (typeof value !== 'string') return 'must be a duration such as "90s", "15m" or "3d"';
  const ms = parseDuration(value);
  if (ms === undefined) return `"${value.slice(0, 80)}" is not a duration such as "90s", "15m" or "3d"`;
  if (!opts.allowZero && ms <= 0) return 'must be longer than zero';
  if (ms > max) return `must be at most ${formatDuration(max)}`;
  return undefined;
}

/** Parses a duration or throws a RangeError naming the text. */
export function durationMs(text: string | number): number {
  const v = parseDuration(text);
  if (v === undefined) throw new RangeError(`"${text}" is not a duration such as "90s", "15m" or "3d"`);
  return v;
}

/** A short human form for history entries and the CLI: 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const parts: string[] = [];
  const d = Math.floor(ms / 86_400_000);
  const h = Math.floor((ms % 86_400_000) / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const rest = ms % 1000;
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s) parts.push(`${s}s`);
  if (rest && parts.length === 0) parts.push(`${rest}ms`);
  return parts.join('') || '0s';
}
