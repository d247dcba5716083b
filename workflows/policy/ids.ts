/**
 * The one id rule of dealflow (README "HTTP API", "Ids"): a lead, campaign, batch or rep id is 1–128
 * of `A-Z a-z 0-9 . _ : -`, and neither `.` nor `..` (a browser or HTTP client resolves those as
 * path segments, so no route could be reached for them). Task ids are made from a lead id and a
 * suffix (workflows/stall.ts, workflows/lead/), so they may be longer: at most TASK_ID_MAX_LENGTH.
 * Every id a route creates fits in a path segment of every route that addresses it (the API's
 * `maxParamLength`, client/api/schemas.ts). Pure: usable in workflows.
 */

export const ID_MAX_LENGTH = 128;
export const TASK_ID_MAX_LENGTH = 300;
/** The characters of an id, as a regular-expression character class body. */
const ID_CHAR_CLASS = 'A-Za-z0-9._:-';
/** The rule in words, for error messages. */
export const ID_RULE = `letters, digits and . _ : - (1–${ID_MAX_LENGTH} characters, not only dots)`;
/** The rule's characters as one regular expression (no length): some character other than a dot. */
export const ID_PATTERN = new RegExp(`^[${ID_CHAR_CLASS}]*[A-Za-z0-9_:-][${ID_CHAR_CLASS}]*$`);

/** True when `id` is a well-formed id of at most `max` characters. */
export function isId(id: string, max = ID_MAX_LENGTH): boolean {
  return id.length >= 1 && id.length <= max && ID_PATTERN.test(id);
}
