/** Templates read durations with the one grammar (workflows/policy/duration.ts) and say them in words. */
import { renderTemplate } from '../../../../store/email/templates';

function subjectFor(stalledFor: string, locale = 'en'): string {
  return renderTemplate('stall_reminder_owner', locale, {
    lead: { name: 'Ada', company: 'Acme', email: 'ada@acme.test' },
    owner: { name: 'Rep', email: 'rep@dealflow.test' },
    vars: { stalledFor, stage: 'approach' },
  }).subject;
}

describe('the duration helper of the templates', () => {
  it.each([
    ['7d', '7 days'],
    ['5min', '5 minutes'],
    ['5 mins', '5 minutes'],
    ['2hrs', '2 hours'],
    ['1 week', '1 week'],
    ['90s', '90 seconds'],
  ])('%j reads %j', (text, words) => {
    expect(subjectFor(text)).toContain(`no activity for ${words}`);
  });

  it('shows text outside the grammar (and a bare number, which names no unit) as written', () => {
    expect(subjectFor('a while')).toContain('no activity for a while');
    expect(subjectFor('1500')).toContain('no activity for 1500');
  });
});
