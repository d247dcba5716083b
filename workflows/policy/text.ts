/**
 * The one control-character rule of dealflow (docs/ARCHITECTURE.md §3). Pure (no Node
 * built-ins): lead input, enrichment results, e-mail templates, score reasons and address
 * normalisation all use it, so a character refused in one place is refused or cleaned in all.
 *
 * A control character is any Unicode Cc character (C0 U+0000–U+001F, DEL U+007F, C1 U+0080–U+009F)
 * or the line and paragraph separators U+2028 and U+2029 (they break a line like LF does).
 *
 * A bidirectional control (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates, the marks
 * U+200E, U+200F and U+061C) reorders how the text around it is shown: in a name it can make an
 * email's display name or subject read as something else ("right-to-left override" spoofing). One-line
 * text (names, companies, subjects) refuses them at input and drops them in `toOneLine`, so one stored
 * before, or coming from the roster or enrichment, never reaches a header.
 */

/** The rule as the body of a regular-expression character class, for building other classes. */
export const CONTROL_CHAR_CLASS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029';

/** The bidirectional controls, as the body of a character class. */
const BIDI_CONTROL_CLASS = '\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';

const CONTROL = new RegExp(`[${CONTROL_CHAR_CLASS}]`);
const BIDI = new RegExp(`[${BIDI_CONTROL_CLASS}]`);
const BIDI_ALL = new RegExp(`[${BIDI_CONTROL_CLASS}]+`, 'g');
const CONTROL_RUNS = new RegExp(`[${CONTROL_CHAR_CLASS}]+`, 'g');

/** True when `text` holds a control character (a line break included). */
export function hasControlChars(text: string): boolean {
  return CONTROL.test(text);
}

/** True when `text` holds a bidirectional control (see above). */
export function hasBidiControls(text: string): boolean {
  return BIDI.test(text);
}

/**
 * One line of text: every run of control characters (CR, LF, tab, …) becomes one space,
 * bidirectional controls are dropped, runs of blanks collapse to one space, and the ends are
 * trimmed. A single non-breaking space is kept.
 */
export function toOneLine(text: string): string {
  return text
    .replace(CONTROL_RUNS, ' ')
    .replace(BIDI_ALL, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}
