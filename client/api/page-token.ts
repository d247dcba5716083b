/**
 * Page tokens of the HTTP API (README "Paging"): a store's keyset cursor (store/paging.ts), or
 * Temporal's for the lead list, sealed with an HMAC-SHA256 under SIGNING_SECRET over the list it
 * belongs to and the cursor:
 *
 *   pageToken = base64url(cursor) + "." + base64url(HMAC(SIGNING_SECRET, "dealflow-page:v1." + list + "." + cursorPart))
 *
 * `list` names the list and the caller's effective filter (e.g. `tasks|carol||open`), so a token
 * from one list or filter, an edited token, or garbage is refused with 400 for `pageToken` before
 * a store reads it. The domain tag keeps these MACs apart from every other use of the secret
 * (store/email/tokens.ts).
 */
import crypto from 'node:crypto';
import { ValidationError } from '../../store/request-errors';
import { InvalidPageTokenError } from '../../store/paging';
import { isCanonicalMac } from '../../store/email/tokens';
import { parseOrThrow } from '../lead-input';
import { historyQuery } from './schemas';

const DOMAIN = 'dealflow-page:v1.';
const SHAPE = /^[A-Za-z0-9_-]{1,8000}\.[A-Za-z0-9_-]{43}$/;

function mac(secret: string, list: string, cursorPart: string): Buffer {
  return crypto.createHmac('sha256', secret).update(`${DOMAIN}${list}.${cursorPart}`).digest();
}

/** A 400 for `pageToken` with a reason. */
function badPageToken(reason: string): ValidationError {
  return new ValidationError(`invalid pageToken: ${reason}`, [{ path: 'pageToken', message: reason }]);
}

/** Seals a store's cursor for one list; undefined stays undefined (the last page). */
export function sealPageToken(secret: string, list: string, cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const part = Buffer.from(cursor, 'utf8').toString('base64url');
  return `${part}.${mac(secret, list, part).toString('base64url')}`;
}

/** The cursor inside a token sealed for `list`; a 400 for `pageToken` for anything else. */
export function openPageToken(secret: string, list: string, token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (!SHAPE.test(token)) throw badPageToken('not a page token');
  const dot = token.indexOf('.');
  const part = token.slice(0, dot);
  if (!isCanonicalMac(token.slice(dot + 1), mac(secret, list, part), 'base64url')) {
    throw badPageToken('not a token of this list and filter (or altered)');
  }
  return Buffer.from(part, 'base64url').toString('utf8');
}

/**
 * Runs one page read of `list` with the cursor opened from `token`, and seals the next cursor. A
 * cursor the store refuses (InvalidPageTokenError) is a 400 for `pageToken` too.
 */
export async function pageOf<P extends { nextPageToken?: string }>(
  secret: string,
  list: string,
  token: string | undefined,
  read: (cursor: string | undefined) => Promise<P>,
): Promise<P> {
  const cursor = openPageToken(secret, list, token);
  let page: P;
  try {
    page = await read(cursor);
  } catch (e) {
    if (e instanceof InvalidPageTokenError) throw badPageToken(e.message);
    throw e;
  }
  const { nextPageToken, ...rest } = page;
  const sealed = sealPageToken(secret, list, nextPageToken);
  return (sealed ? { ...rest, nextPageToken: sealed } : rest) as P;
}

/**
 * One page of an audit log for a route: parses `?pageSize=&pageToken=` (or `limit`) strictly and
 * seals the next cursor for this log (`name`, plus whatever narrows what the caller sees).
 */
export async function auditPage<T>(
  secret: string,
  name: string,
  rawQuery: unknown,
  store: { historyPage(opts: { limit?: number; cursor?: string }): Promise<{ items: T[]; nextPageToken?: string }> },
): Promise<{ items: T[]; nextPageToken?: string }> {
  const q = parseOrThrow(historyQuery, rawQuery ?? {}, 'query');
  return pageOf(secret, JSON.stringify(['history', name]), q.pageToken, (cursor) =>
    store.historyPage({ limit: q.pageSize ?? q.limit, cursor }),
  );
}
