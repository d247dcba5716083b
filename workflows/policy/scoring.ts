/**
 * The lead's fit score 0–100 with its reasons (README "What happens to a lead" prospecting). Pure: no Temporal import.
 *
 * The reasons read as the sum that made the score: "base 40", then one line per contribution,
 * "+15 decision-maker title (VP Sales)", "−20 free-mail address (gmail.com)", and a last line when
 * the sum was clamped. Lead-provided text in a reason is stripped of control characters and cut
 * short; whoever renders it still escapes it.
 */
import { DEFAULT_SCORING_WEIGHTS, type QualificationKey, type ScoringWeights } from '../../config/scoring';
import { toOneLine } from './text';

export type { ScoringWeights };

export interface ScoreInput {
  email: string;
  domain: string;
  freeMailDomain: boolean;
  mx: 'valid' | 'none' | 'unknown';
  company?: { name?: string; employees?: number; industry?: string; country?: string } | null;
  title?: string;
  source?: string;
  qualification?: { budget?: boolean; authority?: boolean; need?: boolean; timeline?: boolean };
  duplicateOf?: string | null;
}

export interface ScoreResult {
  score: number;
  reasons: string[];
}

const QUALIFICATION_KEYS: QualificationKey[] = ['budget', 'authority', 'need', 'timeline'];

/** "+15", "−20" (U+2212 minus), "±0". */
function signed(points: number): string {
  if (points > 0) return `+${points}`;
  if (points < 0) return `\u2212${-points}`;
  return '\u00b10';
}

/** Lead-provided text for a reason: one line, no control characters, at most 60 characters. */
function shown(text: string): string {
  const clean = toOneLine(text);
  return clean.length > 60 ? `${clean.slice(0, 59)}\u2026` : clean;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True when `keyword` occurs in `text` as whole words (case-insensitive). */
function hasWord(text: string, keyword: string): boolean {
  const k = keyword.trim().toLowerCase();
  if (!k) return false;
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(k)}($|[^\\p{L}\\p{N}])`, 'u').test(text.toLowerCase());
}

const sourceKey = (source: string) =>
  source
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

export function scoreLead(input: ScoreInput, weights: ScoringWeights = DEFAULT_SCORING_WEIGHTS): ScoreResult {
  let sum = weights.base;
  const reasons: string[] = [`base ${weights.base}`];
  const add = (points: number, why: string) => {
    if (!Number.isFinite(points) || points === 0) return;
    sum += points;
    reasons.push(`${signed(points)} ${why}`);
  };
  const domain = shown(input.domain);

  // The address itself
  if (input.freeMailDomain) add(weights.freeMail, `free-mail address (${domain})`);
  else add(weights.businessDomain, `business email domain (${domain})`);

  if (input.mx === 'valid') add(weights.mx.valid, `mail domain accepts email (${domain})`);
  else if (input.mx === 'none') add(weights.mx.none, `no mail server for ${domain}`);
  else if (weights.mx.unknown !== 0) add(weights.mx.unknown, `mail domain not verified (DNS did not answer)`);
  else reasons.push(`${signed(0)} mail domain not verified (DNS did not answer)`);

  if (input.duplicateOf) add(weights.duplicate, `duplicate of lead ${shown(input.duplicateOf)}`);

  // The company, as enrichment found it
  const company = input.company ?? null;
  if (company) {
    if (company.name) add(weights.companyFound, `company profile found (${shown(company.name)})`);
    const employees = company.employees;
    if (typeof employees === 'number' && Number.isFinite(employees) && employees >= 1) {
      const band = weights.employees.find((b) => employees >= b.min);
      if (band) add(band.points, `${band.label} (${Math.round(employees).toLocaleString('en-US')} employees)`);
    }
    if (company.industry && weights.industries.match.some((m) => hasWord(company.industry!, m))) {
      add(weights.industries.points, `target industry (${shown(company.industry)})`);
    }
    const country = company.country?.trim().toLowerCase();
    if (country && weights.countries.match.some((m) => m.trim().toLowerCase() === country)) {
      add(weights.countries.points, `target country (${shown(company.country!)})`);
    }
  }

  // The person
  if (input.title) {
    const title = input.title;
    const cls = weights.titles.find((c) => c.keywords.some((k) => hasWord(title, k)));
    if (cls) add(cls.points, `${cls.label} (${shown(title)})`);
  }

  if (input.source) {
    const points = weights.sources[sourceKey(input.source)];
    if (points !== undefined) add(points, `source ${shown(input.source)}`);
  }

  const q = input.qualification ?? {};
  for (const key of QUALIFICATION_KEYS) {
    const w = weights.qualification[key];
    if (q[key] === true) add(w.yes, `${w.label} confirmed`);
    else if (q[key] === false) add(w.no, `no ${w.label}`);
  }

  const total = Math.round(sum);
  const score = Math.min(100, Math.max(0, total));
  if (score !== total) reasons.push(`= ${total < 0 ? `\u2212${-total}` : total}, clamped to ${score}`);
  return { score, reasons };
}
