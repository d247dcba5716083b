/**
 * The lead input (README "HTTP API"): the one schema for POST /v1/leads, a CSV row and a bulk array element.
 * Unknown fields and wrong types are errors naming the field.
 */
import { z } from 'zod';
import { DEFAULT_LEAD, OPEN_STAGES } from '../config/defaults';
import { isValidTimeZone } from '../workflows/policy/business-hours';
import { hasBidiControls, hasControlChars } from '../workflows/policy/text';
import { ID_MAX_LENGTH, ID_PATTERN, ID_RULE } from '../workflows/policy/ids';
import { amountProblem, isCurrency } from './metrics/money';
import { issuesToProblems, ValidationError } from '../store/request-errors';

/**
 * One line of text (lead names, companies, campaign names): no line breaks, control characters or
 * bidirectional controls (they can make a name in an email's display name or subject read as
 * something else: workflows/policy/text.ts), and no U+FFFD — the mark a decoder leaves
 * where bytes were not valid in its encoding (README "Importing a CSV file"): such text is already
 * garbled and would reach the customer as "Hi Bj�rn".
 */
export const oneLineText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !hasControlChars(s), 'line breaks and control characters are not allowed')
    .refine(
      (s) => !hasBidiControls(s),
      'bidirectional control characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) are not allowed',
    )
    .refine(
      (s) => !s.includes('\uFFFD'),
      'contains U+FFFD (�), the mark of bytes that were not valid text: send the text in UTF-8',
    );

/**
 * Free text (notes, lost reasons, survey comments): line breaks and tabs allowed, other control
 * characters and U+FFFD refused for the same reasons as `oneLineText`.
 */
export const freeText = (max: number) =>
  z
    .string()
    .max(max)
    // the one control-character rule (workflows/policy/text.ts), with the line breaks and tabs free text may hold
    .refine((s) => !hasControlChars(s.replace(/[\t\n\r\u2028\u2029]/g, '')), 'control characters are not allowed')
    .refine(
      (s) => !s.includes('\uFFFD'),
      'contains U+FFFD (\uFFFD), the mark of bytes that were not valid text: send the text in UTF-8',
    );

/**
 * The one id rule (workflows/policy/ids.ts) as a schema: lead, campaign and batch ids wherever they
 * are created or named (bodies, query strings, path parameters), so what can be created can be
 * addressed. `max` is larger for task ids only.
 */
export const idSchema = (max = ID_MAX_LENGTH) =>
  z.string().min(1, `must be ${ID_RULE}`).max(max, `at most ${max} characters`).regex(ID_PATTERN, `must be ${ID_RULE}`);

export const leadInputSchema = z
  .strictObject({
    id: idSchema().optional(),
    email: z.string().trim().pipe(z.email('must be an email address').max(254)),
    name: oneLineText(200).optional(),
    company: oneLineText(200).optional(),
    title: oneLineText(200).optional(),
    phone: z
      .string()
      .regex(/^[+0-9 ()./-]{3,40}$/, 'must be a phone number')
      .optional(),
    owner: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a rep id')
      .optional(),
    team: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a team id')
      .optional(),
    source: oneLineText(100).optional(),
    timezone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Berlin').optional(),
    locale: z.enum(['en', 'fa']).optional(),
    value: z.number().min(0, 'must be ≥ 0').max(1e12).optional(),
    currency: z
      .string()
      .refine(isCurrency, 'must be an ISO 4217 currency code in capitals, such as EUR')
      .describe(
        'ISO 4217 code in capitals (default USD); `value` keeps its minor unit: none for JPY, 2 for EUR, 3 for BHD',
      )
      .optional(),
    tags: z.array(oneLineText(50).min(1)).max(50).optional(),
    campaign: idSchema().optional(),
    cadence: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
      .optional(),
    stage: z.enum(OPEN_STAGES as unknown as [string, ...string[]]).optional(),
  })
  .superRefine((b, ctx) => {
    // `value` keeps the minor unit of its currency (JPY none, EUR 2, BHD 3): README "Lead input"
    if (typeof b.value !== 'number' || (b.currency !== undefined && !isCurrency(b.currency))) return;
    const problem = amountProblem(b.value, b.currency ?? DEFAULT_LEAD.currency);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
  });
export type LeadInputBody = z.infer<typeof leadInputSchema>;

export function parseOrThrow<T>(schema: z.ZodType<T>, body: unknown, what = 'request body'): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const details = issuesToProblems(r.error.issues);
    throw new ValidationError(`invalid ${what}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
  return r.data;
}
