import { TemplateNotFoundError } from '../../../store/errors';
import {
  escapeHtml,
  hasTemplate,
  INTERNAL_TEMPLATE_KINDS,
  renderTemplate,
  TEMPLATE_KINDS,
  type TemplateContext,
} from '../../../store/email/templates';

const PERSIAN_DIGIT = /[۰-۹]/;

function context(overrides: Partial<TemplateContext> = {}): TemplateContext {
  return {
    lead: { name: 'Ada Lovelace', company: 'Analytical Engines', email: 'ada@example.test' },
    owner: { name: 'Alice Rep', email: 'alice@dealflow.test' },
    unsubscribeUrl: 'http://127.0.0.1:3000/u/payload.signature',
    surveyUrl: 'http://127.0.0.1:3000/s/payload.signature',
    expiresAt: '2026-04-20T10:00:00Z',
    objectionCategory: 'price',
    step: '3:approach:1',
    timezone: 'Asia/Tehran',
    tasks: [{ title: 'Call Analytical Engines', dueAt: '2026-04-11T09:00:00Z', priority: 'high' }],
    vars: {
      meetingAt: '2026-04-12T08:30:00Z',
      meetingUrl: 'https://meet.example.test/abc',
      amount: 12500,
      currency: 'USD',
      proposalUrl: 'https://dealflow.test/p/1',
      stage: 'approach',
      stalledFor: '7d',
      managerName: 'Mia Manager',
      leadUrl: 'http://127.0.0.1:3000/#/leads/lead-1',
      digestDate: '2026-04-11T05:00:00Z',
    },
    ...overrides,
  };
}

describe('email templates', () => {
  it.each(TEMPLATE_KINDS.flatMap((kind) => (['en', 'fa'] as const).map((locale) => [kind, locale] as const)))(
    'renders %s in %s with a subject, an HTML part and a text part',
    (kind, locale) => {
      const email = renderTemplate(kind, locale, context());
      expect(email.subject.trim().length).toBeGreaterThan(3);
      expect(email.html).toMatch(/^<!doctype html>/);
      expect(email.html).toContain(`<html lang="${locale}" dir="${locale === 'fa' ? 'rtl' : 'ltr'}">`);
      expect(email.text.trim().length).toBeGreaterThan(20);
      for (const part of [email.subject, email.html, email.text]) {
        expect(part).not.toMatch(/undefined|\bnull\b|NaN|\[object |function /);
      }
    },
  );

  it('writes Persian right-to-left with Persian digits and the Persian calendar', () => {
    const proposal = renderTemplate('proposal', 'fa', context());
    expect(proposal.html).toContain('dir="rtl"');
    expect(proposal.html).toContain('lang="fa"');
    // 2026-04-20 is 31 Farvardin 1405 in the Solar Hijri calendar
    expect(proposal.html).toContain('۱۴۰۵');
    expect(proposal.html).toContain('فروردین');
    expect(proposal.text).toContain('۱۴۰۵');
    expect(proposal.html).not.toContain('2026');
    expect(proposal.html).toMatch(/۱۲٬۵۰۰/);

    expect(renderTemplate('survey', 'fa', context()).text).toContain('۱۰');
    expect(renderTemplate('task_digest', 'fa', context()).subject).toMatch(PERSIAN_DIGIT);
    expect(renderTemplate('stall_reminder_owner', 'fa', context()).html).toContain('۷ روز');
    expect(renderTemplate('presentation_reminder', 'fa', context()).subject).toMatch(PERSIAN_DIGIT);
  });

  it('writes English left-to-right with Gregorian dates', () => {
    const proposal = renderTemplate('proposal', 'en', context());
    expect(proposal.html).toContain('dir="ltr"');
    expect(proposal.text).toContain('April 20, 2026');
    expect(proposal.text).toContain('$12,500.00');
  });

  it('escapes every lead-provided value in HTML', () => {
    const evil = '<script>alert("x")</script>';
    const ctx = context({ lead: { name: evil, company: `ACME ${evil} & "Sons"`, email: 'ada@example.test' } });
    for (const kind of TEMPLATE_KINDS) {
      for (const locale of ['en', 'fa'] as const) {
        const { html } = renderTemplate(kind, locale, ctx);
        expect(html).not.toContain('<script');
        expect(html).not.toContain('"Sons"');
      }
    }
    const intro = renderTemplate('approach_intro', 'en', ctx);
    expect(intro.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    // the text part is plain text: the name reads as written
    expect(intro.text).toContain(evil);
  });

  it('never lets a line break from a lead value into the subject', () => {
    const ctx = context({
      lead: {
        name: 'Eve\r\nBcc: attacker@evil.test',
        company: 'Evil\r\nBcc: attacker@evil.test\r\n',
        email: 'eve@example.test',
      },
      owner: { name: 'Alice\nRep', email: 'alice@dealflow.test' },
    });
    for (const kind of TEMPLATE_KINDS) {
      for (const locale of ['en', 'fa'] as const) {
        const { subject, text } = renderTemplate(kind, locale, ctx);
        expect(subject).not.toMatch(/[\r\n]/);
        expect(subject).not.toMatch(/^Bcc:/m);
        expect(text).not.toMatch(/^Bcc:/m);
      }
    }
    expect(renderTemplate('approach_intro', 'en', ctx).subject).toBe(
      'Evil Bcc: attacker@evil.test: a quick idea from Alice Rep',
    );
  });

  it('links the signed unsubscribe URL in lead mail, and not in internal mail', () => {
    const lead = renderTemplate('approach_followup_1', 'en', context());
    expect(lead.html).toContain('href="http://127.0.0.1:3000/u/payload.signature"');
    expect(lead.text).toContain('http://127.0.0.1:3000/u/payload.signature');
    for (const kind of INTERNAL_TEMPLATE_KINDS) {
      const internal = renderTemplate(kind, 'en', context({ unsubscribeUrl: undefined }));
      expect(internal.html).not.toContain('/u/');
      expect(internal.text).not.toMatch(/unsubscribe/i);
    }
  });

  it('renders links only for http(s) URLs', () => {
    const email = renderTemplate('proposal', 'en', context({ vars: { proposalUrl: 'javascript:alert(1)' } }));
    expect(email.html).not.toContain('javascript:');
    expect(email.text).not.toContain('javascript:');
    const quoted = renderTemplate(
      'proposal',
      'en',
      context({ vars: { proposalUrl: 'https://x.test/"onmouseover="alert(1)' } }),
    );
    expect(quoted.html).not.toContain('onmouseover="');
  });

  it('leaves out what the context does not have', () => {
    const bare: TemplateContext = {
      lead: { email: 'someone@example.test' },
      owner: { name: 'Alice Rep', email: 'alice@dealflow.test' },
    };
    for (const kind of TEMPLATE_KINDS) {
      for (const locale of ['en', 'fa'] as const) {
        const email = renderTemplate(kind, locale, bare);
        expect(`${email.subject}${email.html}${email.text}`).not.toMatch(/undefined|\bnull\b|NaN|Invalid Date/);
      }
    }
    expect(renderTemplate('approach_intro', 'en', bare).text).toMatch(/^Hi there,/);
    expect(renderTemplate('approach_intro', 'fa', bare).text).toMatch(/^سلام،/);
  });

  it('refuses an unknown kind with TemplateNotFoundError and knows its kinds', () => {
    expect(() => renderTemplate('nope', 'en', context())).toThrow(TemplateNotFoundError);
    expect(() => renderTemplate('constructor', 'en', context())).toThrow(TemplateNotFoundError);
    expect(hasTemplate('proposal')).toBe(true);
    expect(hasTemplate('toString')).toBe(false);
    expect(TEMPLATE_KINDS).toHaveLength(18);
  });

  it('falls back to English for an unknown locale', () => {
    expect(renderTemplate('thank_you', 'de', context()).html).toContain('lang="en"');
  });

  it('escapes with the one helper', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
