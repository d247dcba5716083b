/** The one normaliseEmail (store/enrichment/normalise.ts): its control-character rule is the shared one. */
import { normaliseEmail } from '../../../../store/enrichment/normalise';
import { InvalidInputError } from '../../../../store/errors';

describe('normaliseEmail', () => {
  it('trims, lower-cases and puts the domain in ASCII', () => {
    expect(normaliseEmail(' MINA.Reply@EXAMPLE.ORG ')).toBe('mina.reply@example.org');
    expect(normaliseEmail('a@Bücher.example')).toBe('a@xn--bcher-kva.example');
  });

  it.each([
    'a\u0000b@example.org',
    'a\u007fb@example.org',
    'a\u0085b@example.org',
    'a\u2028b@example.org',
    'a\nb@example.org',
  ])('refuses a local part with a control character: %j', (email) => {
    expect(() => normaliseEmail(email)).toThrow(InvalidInputError);
  });

  it.each(['', 'no-at-sign', '@example.org', 'a@localhost', `${'a'.repeat(65)}@example.org`])('refuses %j', (email) => {
    expect(() => normaliseEmail(email)).toThrow(InvalidInputError);
  });
});
