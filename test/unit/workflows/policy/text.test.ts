/** The one control-character rule (workflows/policy/text.ts) and its users. */
import { CONTROL_CHAR_CLASS, hasBidiControls, hasControlChars, toOneLine } from '../../../../workflows/policy/text';
import { headerSafe, oneLine } from '../../../../store/email/templates';
import { leadInputSchema } from '../../../../client/lead-input';

const CONTROLS = ['\u0000', '\t', '\n', '\r', '\u001f', '\u007f', '\u0085', '\u009f', '\u2028', '\u2029'];

describe('hasControlChars', () => {
  it.each(CONTROLS.map((c) => [JSON.stringify(c), c]))('finds %s', (_label, c) => {
    expect(hasControlChars(`Ada${c}Lovelace`)).toBe(true);
  });

  it('passes printable text in any script, a non-breaking space and emoji', () => {
    for (const t of ['Ada Lovelace', 'Björn Ø', 'مینا رضایی', 'a\u00a0b', '\u{1F600}', ''])
      expect(hasControlChars(t)).toBe(false);
  });

  it('is the class other patterns are built from', () => {
    expect(new RegExp(`^[${CONTROL_CHAR_CLASS}]+$`).test(CONTROLS.join(''))).toBe(true);
  });
});

describe('toOneLine', () => {
  it('turns every run of control characters into one space, collapses blanks and trims', () => {
    expect(toOneLine('  Ada\r\n\r\nLovelace\u2028Ltd\u0085 x  ')).toBe('Ada Lovelace Ltd x');
    expect(toOneLine('a\u00a0b')).toBe('a\u00a0b');
  });

  it('is what the e-mail templates use for one line (C1 controls included)', () => {
    expect(oneLine('Subject\u0085Bcc: x@y')).toBe('Subject Bcc: x@y');
    expect(oneLine).toBe(toOneLine);
  });
});

describe('bidirectional controls (#17 item 12)', () => {
  const BIDI = [
    '\u202a',
    '\u202b',
    '\u202c',
    '\u202d',
    '\u202e',
    '\u2066',
    '\u2067',
    '\u2068',
    '\u2069',
    '\u200e',
    '\u200f',
    '\u061c',
  ];

  it.each(BIDI.map((c) => [c.codePointAt(0)!.toString(16), c]))('finds U+%s', (_label, c) => {
    expect(hasBidiControls(`Ada${c}Lovelace`)).toBe(true);
  });

  it('passes right-to-left text itself (Persian, Hebrew, Arabic letters are not controls)', () => {
    for (const t of ['مینا رضایی', 'שלום', 'Björn', '']) expect(hasBidiControls(t)).toBe(false);
  });

  it('one line drops them: a right-to-left override cannot make "invoice‮fdp.exe" read as something else', () => {
    expect(toOneLine('Acme \u202eCorp\u202c')).toBe('Acme Corp');
    expect(toOneLine('invoice\u202efdp.exe')).toBe('invoicefdp.exe');
    expect(toOneLine('\u2067Mina\u2069 \u200fR\u200e')).toBe('Mina R');
  });

  it('an email display name and subject have none left (headerSafe)', () => {
    expect(headerSafe('Bob \u202eevil\u202c Smith', 120)).toBe('Bob evil Smith');
    expect(headerSafe('Re: \u2066your\u2069 order\u061c', 250)).toBe('Re: your order');
  });

  it('lead names and companies that carry one are refused at input (400 naming the field)', () => {
    const r = leadInputSchema.safeParse({
      id: 'bidi-1',
      email: 'a@b.test',
      name: 'Ada \u202eecalevoL',
      company: 'Acme\u2066',
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['company', 'name']);
    expect(
      leadInputSchema.safeParse({ id: 'bidi-2', email: 'a@b.test', name: 'مینا رضایی', company: 'Acme' }).success,
    ).toBe(true);
  });
});
