/**
 * Lead fit-score weights (README "What happens to a lead" prospecting): plain data, no I/O, importable by workflows.
 * workflows/policy/scoring.ts adds `base` and every matching contribution, then clamps to 0..100.
 *
 * Meant to live in config/defaults.ts next to the other defaults; it is a separate file only
 * because that file was being edited by someone else when this was written.
 */

export type QualificationKey = 'budget' | 'authority' | 'need' | 'timeline';

export interface ScoringWeights {
  /** where every lead starts */
  base: number;
  /** address at a free-mail provider (gmail.com, …) */
  freeMail: number;
  /** address at a company's own domain */
  businessDomain: number;
  /** the MX check of the address's domain; `unknown` = DNS did not answer */
  mx: { valid: number; none: number; unknown: number };
  /** the enrichment provider knew the company */
  companyFound: number;
  /** company size bands, checked top to bottom; the first whose `min` ≤ employees counts */
  employees: { min: number; points: number; label: string }[];
  /** industries the team sells to (case-insensitive; a listed word anywhere in the industry matches) */
  industries: { points: number; match: string[] };
  /** countries the team sells to (ISO 3166 code or name, case-insensitive); empty = no preference */
  countries: { points: number; match: string[] };
  /** job-title classes, checked top to bottom; the first with a keyword matching a whole word counts */
  titles: { label: string; points: number; keywords: string[] }[];
  /** lead source (lower-case, spaces and dashes as `_`) → points */
  sources: Record<string, number>;
  /** BANT answers: `yes` when true, `no` when explicitly false, nothing when unknown */
  qualification: Record<QualificationKey, { yes: number; no: number; label: string }>;
  /** the email already belongs to another lead */
  duplicate: number;
}

export const DEFAULT_SCORING_WEIGHTS: ScoringWeights = {
  base: 40,
  freeMail: -20,
  businessDomain: 5,
  mx: { valid: 5, none: -30, unknown: 0 },
  companyFound: 5,
  employees: [
    { min: 1000, points: 15, label: 'enterprise' },
    { min: 200, points: 12, label: 'mid-market' },
    { min: 50, points: 8, label: 'growing company' },
    { min: 10, points: 4, label: 'small business' },
    { min: 1, points: -5, label: 'very small company' },
  ],
  industries: {
    points: 10,
    match: [
      'software',
      'saas',
      'information technology',
      'technology',
      'internet',
      'fintech',
      'financial services',
      'e-commerce',
    ],
  },
  countries: { points: 5, match: [] },
  titles: [
    {
      label: 'decision-maker title',
      points: 15,
      keywords: [
        'ceo',
        'cfo',
        'cto',
        'coo',
        'cmo',
        'cro',
        'cio',
        'chief',
        'founder',
        'co-founder',
        'owner',
        'president',
        'vp',
        'svp',
        'evp',
        'vice president',
        'head of',
        'director',
        'partner',
      ],
    },
    { label: 'influencer title', points: 8, keywords: ['manager', 'lead', 'head', 'architect', 'principal'] },
    { label: 'junior title', points: -10, keywords: ['intern', 'student', 'trainee', 'junior', 'assistant'] },
  ],
  sources: {
    referral: 10,
    demo_request: 10,
    inbound: 8,
    website: 8,
    partner: 8,
    event: 5,
    webinar: 5,
    content: 3,
    outbound: 0,
    cold: -5,
    purchased_list: -10,
  },
  qualification: {
    budget: { yes: 8, no: -5, label: 'budget' },
    authority: { yes: 8, no: -5, label: 'authority to buy' },
    need: { yes: 10, no: -10, label: 'need' },
    timeline: { yes: 6, no: -3, label: 'timeline' },
  },
  duplicate: -15,
};
