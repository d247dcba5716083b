/** The one control-character rule (workflows/policy/text.ts) and its users. */
import { CONTROL_CHAR_CLASS, hasControlChars, toOneLine } from '../../../../workflows/policy/text';
import { oneLine } from '../../../../store/email/templates';

const CONTROLS = ['\u0000', '\t', '\n', '\r', '\u001f', '\u007f', '\u0085', '\u009f', '\u2028', '\u2029'];

describe('hasControlChars', () => {
  it.each(CONTROLS.map((c) => [JSON.stringify(c), c]))('finds %s', (_label, c) => {
    expect(hasControlChars(`Ada${c}Lovelace`)).toBe(true);
  });

  it('passes printable text in any script, a non-breaking space and emoji', () => {
    for (const t of ['Ada Lovelace', 'Björn Ø', 'مینا رضایی', 'a\u00a0b', '\u{1F600}', '']) expect(hasControlChars(t)).toBe(false);
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
