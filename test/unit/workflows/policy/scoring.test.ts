import { DEFAULT_SCORING_WEIGHTS, type ScoringWeights } from '../../../../config/scoring';
import { scoreLead, type ScoreInput } from '../../../../workflows/policy/scoring';

const business: ScoreInput = { email: 'ada@acme.com', domain: 'acme.com', freeMailDomain: false, mx: 'valid' };

describe('scoreLead', () => {
  it('explains a plain business lead as base plus each contribution', () => {
    expect(scoreLead(business)).toEqual({
      score: 50,
      reasons: ['base 40', '+5 business email domain (acme.com)', '+5 mail domain accepts email (acme.com)'],
    });
  });

  it('scores a qualified VP at a large software company high and says it was clamped', () => {
    const result = scoreLead({
      ...business,
      title: 'VP Sales',
      source: 'Referral',
      company: { name: 'Acme Inc', employees: 1200, industry: 'Software', country: 'DE' },
      qualification: { budget: true, authority: true, need: true, timeline: true },
    });
    expect(result.score).toBe(100);
    expect(result.reasons).toEqual([
      'base 40',
      '+5 business email domain (acme.com)',
      '+5 mail domain accepts email (acme.com)',
      '+5 company profile found (Acme Inc)',
      '+15 enterprise (1,200 employees)',
      '+10 target industry (Software)',
      '+15 decision-maker title (VP Sales)',
      '+10 source Referral',
      '+8 budget confirmed',
      '+8 authority to buy confirmed',
      '+10 need confirmed',
      '+6 timeline confirmed',
      '= 137, clamped to 100',
    ]);
  });

  it('marks a free-mail junior lead down with minus signs', () => {
    expect(
      scoreLead({
        email: 'kid@gmail.com',
        domain: 'gmail.com',
        freeMailDomain: true,
        mx: 'valid',
        title: 'Marketing Intern',
      }),
    ).toEqual({
      score: 15,
      reasons: [
        'base 40',
        '\u221220 free-mail address (gmail.com)',
        '+5 mail domain accepts email (gmail.com)',
        '\u221210 junior title (Marketing Intern)',
      ],
    });
  });

  it('never goes below 0: no mail server, a duplicate, a bought list and no need', () => {
    const result = scoreLead({
      email: 'x@nomail.example',
      domain: 'nomail.example',
      freeMailDomain: false,
      mx: 'none',
      duplicateOf: 'lead-7',
      source: 'purchased list',
      qualification: { need: false },
    });
    expect(result.score).toBe(0);
    expect(result.reasons).toEqual([
      'base 40',
      '+5 business email domain (nomail.example)',
      '\u221230 no mail server for nomail.example',
      '\u221215 duplicate of lead lead-7',
      '\u221210 source purchased list',
      '\u221210 no need',
      '= \u221220, clamped to 0',
    ]);
  });

  it('says when the mail domain could not be checked without counting it', () => {
    const result = scoreLead({ ...business, mx: 'unknown' });
    expect(result.score).toBe(45);
    expect(result.reasons).toContain('\u00b10 mail domain not verified (DNS did not answer)');
  });

  it('matches titles on whole words, first class first', () => {
    const title = (t: string) => scoreLead({ ...business, title: t }).reasons.find((r) => r.includes('title'));
    expect(title('Director of Sales')).toBe('+15 decision-maker title (Director of Sales)');
    expect(title('Co-Founder & CTO')).toBe('+15 decision-maker title (Co-Founder & CTO)');
    expect(title('Engineering Manager')).toBe('+8 influencer title (Engineering Manager)');
    expect(title('Doctoral student')).toBe('\u221210 junior title (Doctoral student)'); // not "cto"
    expect(title('Sales Development Representative')).toBeUndefined();
  });

  it('keeps lead-provided text in reasons to one short line', () => {
    const [reason] = scoreLead({
      ...business,
      title: `CEO\r\nBcc: evil@example.com ${'x'.repeat(100)}`,
    }).reasons.filter((r) => r.includes('title'));
    expect(reason).not.toMatch(/[\r\n]/);
    expect(reason.length).toBeLessThan(100);
    expect(reason).toMatch(/^\+15 decision-maker title \(CEO Bcc: evil@example\.com x+\u2026\)$/);
  });

  it('ignores company data it cannot use and sizes small companies down', () => {
    expect(scoreLead({ ...business, company: null }).score).toBe(50);
    expect(scoreLead({ ...business, company: { employees: Number.NaN } }).score).toBe(50);
    expect(scoreLead({ ...business, company: { employees: 4 } }).reasons).toContain(
      '\u22125 very small company (4 employees)',
    );
    expect(scoreLead({ ...business, company: { employees: 60, industry: 'Agriculture' } }).reasons).toEqual([
      'base 40',
      '+5 business email domain (acme.com)',
      '+5 mail domain accepts email (acme.com)',
      '+8 growing company (60 employees)',
    ]);
  });

  it('takes other weights, e.g. a team that sells only in Germany', () => {
    const weights: ScoringWeights = {
      ...DEFAULT_SCORING_WEIGHTS,
      base: 30,
      countries: { points: 20, match: ['DE', 'Germany'] },
    };
    const result = scoreLead({ ...business, company: { country: 'de' } }, weights);
    expect(result).toEqual({
      score: 60,
      reasons: [
        'base 30',
        '+5 business email domain (acme.com)',
        '+5 mail domain accepts email (acme.com)',
        '+20 target country (de)',
      ],
    });
  });

  it('is deterministic: the same input gives the same score and reasons', () => {
    const input: ScoreInput = {
      ...business,
      title: 'Head of Growth',
      source: 'webinar',
      company: { name: 'Acme', employees: 300 },
    };
    expect(scoreLead(input)).toEqual(scoreLead(structuredClone(input)));
  });
});
