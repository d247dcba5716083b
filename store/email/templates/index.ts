/**
 * Email templates per kind and locale (docs/ARCHITECTURE.md §9): each renders a subject, an HTML part and a plain
 * text part from a typed context.
 *
 * Safety lives here, in one place, so a template cannot forget it:
 * - Templates describe their content as text blocks (paragraphs, links, lists, a button); this file
 *   renders them to HTML with the `html` tag, which escapes every interpolated value through the one
 *   `escapeHtml` helper. Lead-provided text (names, company, notes) therefore always arrives escaped,
 *   and the plain-text part says exactly what the HTML part says.
 * - Every lead-provided string in the context is reduced to one line before rendering, and the final
 *   subject has every control character (CR, LF, …) removed, so nothing can reach a header as a new
 *   header line.
 * - Links and buttons are rendered only for http(s) URLs.
 *
 * en.ts and fa.ts hold the words; they import only types from here (no runtime import cycle) and get
 * the formatters through the kit. `fa` is right-to-left (`dir="rtl" lang="fa"` on the root), with
 * Persian digits and Persian-calendar dates from `Intl` ('fa-IR-u-ca-persian-nu-arabext'; Node 20
 * ships full ICU).
 */
import { isValidTimeZone } from '../../../workflows/policy/business-hours';
import { splitDuration } from '../../../workflows/policy/duration';
import { toOneLine } from '../../../workflows/policy/text';
import { TemplateNotFoundError } from '../../errors';
import { en } from './en';
import { fa } from './fa';

export const TEMPLATE_KINDS = [
  'approach_intro',
  'approach_followup_1',
  'approach_followup_2',
  'approach_breakup',
  'presentation_reminder',
  'objection_content_price',
  'objection_content_timing',
  'objection_content_competitor',
  'objection_content_other',
  'proposal',
  'proposal_reminder',
  'thank_you',
  'survey',
  'survey_reminder',
  'referral_request',
  'stall_reminder_owner',
  'escalation_manager',
  'task_digest',
] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** Kinds addressed to reps and managers: no unsubscribe link, no suppression check. */
export const INTERNAL_TEMPLATE_KINDS: readonly TemplateKind[] = [
  'stall_reminder_owner',
  'escalation_manager',
  'task_digest',
];

export type Locale = 'en' | 'fa';
const LOCALES: readonly Locale[] = ['en', 'fa'];

export interface DigestTask {
  title: string;
  /** ISO-8601 */
  dueAt?: string;
  priority?: string;
  leadId?: string;
}

export interface TemplateContext {
  lead: { name?: string; company?: string; email: string };
  /** the lead's owner (for internal mail: the rep the mail is about) */
  owner: { name: string; email: string };
  /** the signed one-click unsubscribe link; absent for internal mail */
  unsubscribeUrl?: string;
  surveyUrl?: string;
  /** proposal expiry, ISO-8601 */
  expiresAt?: string;
  objectionCategory?: string;
  /** the email step, e.g. "3:approach:2" */
  step?: string | number;
  /** IANA zone dates are shown in (the lead's, or the rep's for internal mail); default UTC */
  timezone?: string;
  /** task_digest: the open tasks */
  tasks?: DigestTask[];
  /**
   * Extras a template may use: meetingAt, meetingUrl, amount, currency, proposalUrl, referralUrl,
   * stage, stalledFor, leadId, leadUrl, managerName, note, score, level.
   */
  vars?: Record<string, string | number | null | undefined>;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** A string that is already HTML (template output); everything else interpolated into `html` is escaped. */
class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The one HTML escaper: text → safe in element content and in quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

function interpolate(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(interpolate).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

/** Tagged template: literal parts are trusted markup, interpolations are escaped (arrays joined). */
function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += interpolate(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** One line: CR, LF and other control characters become a space, runs of spaces collapse (the one rule, workflows/policy/text.ts). */
export const oneLine = toOneLine;

/** A value safe to place in a mail header: no CR/LF or other control characters, at most `max` chars. */
export function headerSafe(value: string, max = 250): string {
  const line = oneLine(value);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function hasTemplate(kind: string): kind is TemplateKind {
  return (TEMPLATE_KINDS as readonly string[]).includes(kind);
}

// ---------------------------------------------------------------------------------------------
// What a locale module provides, and the kit it gets

/** A run of text in a paragraph: plain text, or a link (rendered only for an http(s) URL), or bold. */
export type Inline = string | { text: string; href?: string | null; strong?: boolean };

/**
 * A block of the body. Templates describe content as text; index.ts turns it into escaped HTML and
 * into the plain-text part, so the two parts always say the same thing. A "\n" in a template's own
 * literal text is a line break (lead values never carry one: they are reduced to one line first).
 */
export type Block =
  | string
  | Inline[]
  | { list: Array<string | Inline[]> }
  | { button: { href: string | null | undefined; label: string } };

export interface TemplateParts {
  subject: string;
  blocks: Block[];
}

export interface TemplateKit {
  locale: Locale;
  /** the company, else the lead's name, else the address (for titles of internal mail) */
  leadLabel(): string;
  /** a date in the context's zone ('' when absent or invalid); fa: Persian calendar and digits */
  date(iso: string | number | null | undefined): string;
  /** a date and time in the context's zone, with the zone's name */
  dateTime(iso: string | number | null | undefined): string;
  number(n: number): string;
  /** an amount with its ISO 4217 currency (falls back to number + code) */
  money(amount: number, currency?: string): string;
  /** a duration such as "7d", "2 weeks" in words */
  duration(d: string | number | null | undefined): string;
  /** a stage id in words */
  stage(id: string | null | undefined): string;
  /** a string var (one line), or undefined */
  v(key: string): string | undefined;
  /** a numeric var, or undefined */
  n(key: string): number | undefined;
}

type TemplateFn = (ctx: TemplateContext, kit: TemplateKit) => TemplateParts;

export interface LocaleBundle {
  locale: Locale;
  dir: 'ltr' | 'rtl';
  /** Intl locale for dates (fa: 'fa-IR-u-ca-persian-nu-arabext') and for numbers */
  intlDate: string;
  intlNumber: string;
  /** a count and its unit in words, e.g. ("۷", 7) → "۷ روز" */
  units: Record<'ms' | 's' | 'm' | 'h' | 'd' | 'w', (formatted: string, count: number) => string>;
  stages: Record<string, string>;
  bullet: string;
  fontFamily: string;
  /** the footer under every message: the unsubscribe link for lead mail, a short note for internal mail */
  footer(ctx: TemplateContext, kit: TemplateKit): Block[];
  templates: Record<TemplateKind, TemplateFn>;
}

const BUNDLES: Record<Locale, LocaleBundle> = { en, fa };

// ---------------------------------------------------------------------------------------------
// Rendering

/** The zone dates are shown in: the given one when it is a time zone (workflows/policy/business-hours.ts), else UTC. */
function validTimeZone(tz: string | undefined): string {
  return tz && isValidTimeZone(tz) ? tz : 'UTC';
}

function toDate(v: string | number | null | undefined): Date | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Lead-provided strings reduced to one line; an empty name/company counts as absent. */
function normaliseContext(ctx: TemplateContext): TemplateContext {
  const clean = (s: string | undefined) => {
    const v = typeof s === 'string' ? oneLine(s) : '';
    return v === '' ? undefined : v;
  };
  const vars: Record<string, string | number | null | undefined> = {};
  for (const [k, v] of Object.entries(ctx.vars ?? {})) vars[k] = typeof v === 'string' ? oneLine(v) : v;
  return {
    ...ctx,
    lead: {
      name: clean(ctx.lead?.name),
      company: clean(ctx.lead?.company),
      email: oneLine(String(ctx.lead?.email ?? '')),
    },
    owner: { name: oneLine(String(ctx.owner?.name ?? '')), email: oneLine(String(ctx.owner?.email ?? '')) },
    objectionCategory: clean(ctx.objectionCategory),
    tasks: (ctx.tasks ?? []).map((t) => ({ ...t, title: oneLine(String(t.title ?? '')) })),
    vars,
  };
}

function makeKit(bundle: LocaleBundle, ctx: TemplateContext): TemplateKit {
  const timeZone = validTimeZone(ctx.timezone);
  const dateFmt = new Intl.DateTimeFormat(bundle.intlDate, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone,
  });
  const dateTimeFmt = new Intl.DateTimeFormat(bundle.intlDate, {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  });
  const numFmt = new Intl.NumberFormat(bundle.intlNumber);
  const vars = ctx.vars ?? {};
  return {
    locale: bundle.locale,
    leadLabel: () => ctx.lead.company ?? ctx.lead.name ?? ctx.lead.email,
    date: (v) => {
      const d = toDate(v);
      return d ? dateFmt.format(d) : '';
    },
    dateTime: (v) => {
      const d = toDate(v);
      return d ? dateTimeFmt.format(d) : '';
    },
    number: (n) => numFmt.format(n),
    money: (amount, currency) => {
      if (currency && /^[A-Z]{3}$/.test(currency)) {
        try {
          return new Intl.NumberFormat(bundle.intlNumber, { style: 'currency', currency }).format(amount);
        } catch {
          // an ISO-looking code ICU does not know: number and code below
        }
      }
      return currency ? `${numFmt.format(amount)} ${currency}` : numFmt.format(amount);
    },
    duration: (d) => {
      if (d === null || d === undefined || d === '') return '';
      if (typeof d === 'number') return bundle.units.d(numFmt.format(d), d);
      // text in the one duration grammar (workflows/policy/duration.ts); a bare number in text
      // names no unit for the reader, so it is shown as written
      const parts = /[a-z]/i.test(d) ? splitDuration(d) : undefined;
      if (!parts) return oneLine(d);
      return bundle.units[parts.unit](numFmt.format(parts.count), parts.count);
    },
    stage: (id) => (id ? (Object.hasOwn(bundle.stages, id) ? bundle.stages[id] : oneLine(id)) : ''),
    v: (key) => {
      const val = vars[key];
      if (val === null || val === undefined) return undefined;
      const s = oneLine(String(val));
      return s === '' ? undefined : s;
    },
    n: (key) => {
      const val = vars[key];
      const num = typeof val === 'number' ? val : typeof val === 'string' && val.trim() !== '' ? Number(val) : NaN;
      return Number.isFinite(num) ? num : undefined;
    },
  };
}

const SAFE_URL = /^https?:\/\/[^\s"'<>\\]+$/i;
const usableUrl = (href: string | null | undefined): href is string => typeof href === 'string' && SAFE_URL.test(href);

const LINK_STYLE = 'color:#2563eb;';
const BUTTON_STYLE =
  'display:inline-block;padding:10px 18px;background:#2563eb;color:#ffffff;text-decoration:none;border-radius:4px;';

function inlineHtml(run: Inline): SafeHtml {
  if (typeof run === 'string') return new SafeHtml(escapeHtml(run).replace(/\n/g, '<br>'));
  const label = run.strong ? html`<strong>${run.text}</strong>` : html`${run.text}`;
  return usableUrl(run.href) ? html`<a href="${run.href}" style="${LINK_STYLE}">${label}</a>` : label;
}

function inlineText(run: Inline): string {
  if (typeof run === 'string') return run;
  return usableUrl(run.href) ? `${run.text} <${run.href}>` : run.text;
}

const runs = (p: string | Inline[]): Inline[] => (typeof p === 'string' ? [p] : p);

function blocksHtml(blocks: Block[], bundle: LocaleBundle, margin = 16): SafeHtml {
  const side = bundle.dir === 'rtl' ? 'right' : 'left';
  return html`${blocks.map((b) => {
    if (typeof b === 'string' || Array.isArray(b))
      return html`<p style="margin:0 0 ${margin}px;">${runs(b).map(inlineHtml)}</p> `;
    if ('list' in b) {
      return html`<ul style="margin:0 0 ${margin}px;padding-${side}:20px;">
        ${b.list.map((item) => html`<li>${runs(item).map(inlineHtml)}</li>`)}
      </ul> `;
    }
    if (!usableUrl(b.button.href)) return html``;
    return html`<p style="margin:0 0 ${margin}px;">
      <a href="${b.button.href}" style="${BUTTON_STYLE}">${b.button.label}</a>
    </p> `;
  })}`;
}

function blocksText(blocks: Block[], bundle: LocaleBundle): string {
  return blocks
    .map((b) => {
      if (typeof b === 'string' || Array.isArray(b)) return runs(b).map(inlineText).join('');
      if ('list' in b)
        return b.list.map((item) => `${bundle.bullet} ${runs(item).map(inlineText).join('')}`).join('\n');
      return usableUrl(b.button.href) ? `${b.button.label}: ${b.button.href}` : '';
    })
    .filter((p) => p !== '')
    .join('\n\n');
}

function documentHtml(bundle: LocaleBundle, subject: string, body: SafeHtml, footer: SafeHtml): string {
  const align = bundle.dir === 'rtl' ? 'right' : 'left';
  return html`<!doctype html>
    <html lang="${bundle.locale}" dir="${bundle.dir}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${subject}</title>
      </head>
      <body dir="${bundle.dir}" style="margin:0;padding:24px;background:#f6f7f9;">
        <div
          style="max-width:600px;margin:0 auto;background:#ffffff;padding:24px;border-radius:6px;font-family:${bundle.fontFamily};font-size:15px;line-height:1.7;color:#1f2328;direction:${bundle.dir};text-align:${align};"
        >
          ${body}
        </div>
        <div
          style="max-width:600px;margin:12px auto 0;font-family:${bundle.fontFamily};font-size:12px;line-height:1.6;color:#6b7280;direction:${bundle.dir};text-align:${align};"
        >
          ${footer}
        </div>
      </body>
    </html> `.value;
}

/**
 * Renders one email. Throws TemplateNotFoundError (never retried) for an unknown kind; an unknown
 * locale falls back to `en`.
 */
export function renderTemplate(kind: string, locale: Locale | string, ctx: TemplateContext): RenderedEmail {
  if (!hasTemplate(kind))
    throw new TemplateNotFoundError(`no email template "${kind}" (known: ${TEMPLATE_KINDS.join(', ')})`);
  const bundle = BUNDLES[(LOCALES as readonly string[]).includes(locale) ? (locale as Locale) : 'en'];
  const clean = normaliseContext(ctx);
  const kit = makeKit(bundle, clean);
  const parts = bundle.templates[kind](clean, kit);
  const footer = bundle.footer(clean, kit);
  const subject = headerSafe(parts.subject);
  return {
    subject,
    html: documentHtml(bundle, subject, blocksHtml(parts.blocks, bundle), blocksHtml(footer, bundle, 6)),
    text: `${blocksText(parts.blocks, bundle)}\n\n-- \n${blocksText(footer, bundle)}\n`,
  };
}
