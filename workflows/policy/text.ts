/**
 * The one control-character rule of dealflow (docs/ARCHITECTURE.md §3). Pure (no Node
 * built-ins): lead input, enrichment results, e-mail templates, score reasons and address
 * normalisation all use it, so a character refused in one place is refused or cleaned in all.
 *
 * A control character is any Unicode Cc character (C0 U+0000–U+001F, DEL U+007F, C1 U+0080–U+009F)
 * or the line and paragraph separators U+2028 and U+2029 (they break a line like LF does).
 */

/** The rule as the body of a regular-expression character class, for building other classes. */
export const CONTROL_CHAR_CLASS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029';

const CONTROL = new RegExp(`[${CONTROL_CHAR_CLASS}]`);
const CONTROL_RUNS = new RegExp(`[${CONTROL_CHAR_CLASS}]+`, 'g');

/** True when `text` holds a control character (a line break included). */
export function hasControlChars(text: string): boolean {
  return CONTROL.test(text);
}

/**
 * One line of text: every run of control characters (CR, LF, tab, …) becomes one space, runs of
 * blanks collapse to one space, and the ends are trimmed. A single non-breaking space is kept.
 */
export function toOneLine(text: string): string {
  return text.replace(CONTROL_RUNS, ' ').replace(/\s{2,}/g, ' ').trim();
}
