/**
 * Durations in the same format as the Temporal SDK (the `ms` package): "90s", "15m", "3d",
 * "2 weeks", "1.5h", "500ms", or a bare number of milliseconds. Pure; used by workflows, the API's
 * validation and the tests, so "3d" means the same thing everywhere.
 */
const UNITS: Record<string, number> = {
  ms: 1, msec: 1, msecs: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

const RE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** Parses a duration; returns undefined when the text is not one. Zero is allowed here; callers decide. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const m = RE.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2].toLowerCase() || 'ms';
  const factor = UNITS[unit];
  if (factor === undefined) return undefined;
  const value = Number(m[1]) * factor;
  return Number.isFinite(value) ? Math.round(value) : undefined;
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
