/**
 * Keyset paging for the Redis stores (README "Paging"). A cursor names the last item a page
 * returned by its sort key, never by its position: items that leave the list (a completed task)
 * or join it (a new audit entry) between two requests move no other item past the cursor, so a walk
 * through a list sees every item that stayed in it exactly once.
 *
 * Two kinds of cursor:
 *   - a sorted set (tasks by due time, campaigns by creation time): the (score, member) of the last
 *     item; the next page starts at the first member after it in the set's own order (score, then
 *     member bytes), found in one read-only script so the page is one consistent read;
 *   - an audit log (a list appended at the tail, shown newest first): the version of the last
 *     entry; the next page holds the entries with a lower version.
 *
 * The cursors here are plain (the store's own callers, the digest and the CLI, use them as they
 * are); the HTTP API seals them (client/api/page-token.ts) so a caller cannot forge or move one.
 */
import type Redis from 'ioredis';
import { redisScript, runScript } from './redis-scripts';

/** A page token the store cannot read, or one that points outside its list: a 400 for `pageToken`. */
export class InvalidPageTokenError extends Error {
  override name = 'InvalidPageTokenError';
  readonly code = 'invalid_input' as const;
}

/** Where a page of a sorted set ended: the score and member of the last item it returned. */
export interface ZPosition {
  score: number;
  member: string;
}

const MAX_MEMBER = 1024;

/** A plain cursor string for a sorted-set position (base64url of `[score, member]`). */
export function encodeZPosition(p: ZPosition): string {
  return Buffer.from(JSON.stringify([p.score, p.member]), 'utf8').toString('base64url');
}

/** Reads a cursor made by encodeZPosition; anything else is an InvalidPageTokenError. */
function decodeZPosition(cursor: string): ZPosition {
  let v: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,2000}$/.test(cursor)) throw new Error('shape');
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidPageTokenError('the page token is malformed');
  }
  if (
    !Array.isArray(v) ||
    v.length !== 2 ||
    typeof v[0] !== 'number' ||
    !Number.isFinite(v[0]) ||
    typeof v[1] !== 'string' ||
    v[1].length === 0 ||
    v[1].length > MAX_MEMBER
  ) {
    throw new InvalidPageTokenError('the page token is malformed');
  }
  return { score: v[0], member: v[1] };
}

/**
 * KEYS[1] the sorted set; ARGV: after-score ('' = from the start), after-member, count.
 * Returns up to `count` [member, score, ...] strictly after (score, member) in the set's order.
 * Ties on the score are ordered by member bytes (Redis's own order): the first member after the
 * cursor among them is found by a binary search over their ranks, so equal due times cost O(log n).
 * Read-only; its inputs are checked before the first call.
 */
const ZSET_PAGE_AFTER = redisScript(
  'df_paging_ZSET_PAGE_AFTER',
  1,
  `
local n = tonumber(ARGV[3])
if not n or n < 1 or n > 10000 then return redis.error_reply('ERR count out of range') end
local start = 0
if ARGV[1] ~= '' then
  local s = tonumber(ARGV[1])
  if not s then return redis.error_reply('ERR score is not a number') end
  local after = ARGV[2]
  local function greater(a, b)
    local la, lb = #a, #b
    for i = 1, math.min(la, lb) do
      local x, y = string.byte(a, i), string.byte(b, i)
      if x ~= y then return x > y end
    end
    return la > lb
  end
  local below = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. ARGV[1])
  local ties = redis.call('ZCOUNT', KEYS[1], ARGV[1], ARGV[1])
  local lo, hi = 0, ties
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    local m = redis.call('ZRANGE', KEYS[1], below + mid, below + mid)[1]
    if greater(m, after) then hi = mid else lo = mid + 1 end
  end
  start = below + lo
end
return redis.call('ZRANGE', KEYS[1], start, start + n - 1, 'WITHSCORES')
`,
);

/** Up to `count` members of a sorted set strictly after `after` (from the start without one), in order. */
export async function zsetPageAfter(
  redis: Redis,
  key: string,
  after: ZPosition | undefined,
  count: number,
): Promise<ZPosition[]> {
  const flat = (await runScript(
    redis,
    ZSET_PAGE_AFTER,
    key,
    after ? String(after.score) : '',
    after?.member ?? '',
    String(count),
  )) as string[];
  const out: ZPosition[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ member: flat[i], score: Number(flat[i + 1]) });
  return out;
}

/**
 * One page of a sorted set, keyset-paged: at most `limit` items that `keep` accepts (all when it is
 * absent), after the cursor. Scans at most `maxScan` members per call: a filtered page may then come
 * back short with a cursor to go on from. `nextCursor` is absent only when the set has nothing after
 * the page.
 */
export async function zsetPage<T>(opts: {
  redis: Redis;
  key: string;
  limit: number;
  cursor?: string;
  load: (members: string[]) => Promise<Map<string, T>>;
  keep?: (item: T) => boolean;
  maxScan?: number;
}): Promise<{ items: T[]; nextCursor?: string }> {
  const { redis, key, limit } = opts;
  const maxScan = opts.maxScan ?? Math.max(limit * 10, 1000);
  let after = opts.cursor ? decodeZPosition(opts.cursor) : undefined;
  const items: T[] = [];
  let scanned = 0;
  for (;;) {
    // one more than the page still needs tells whether anything follows a full page; a filtered
    // list reads bigger chunks, as some of them will be left out
    const want = Math.min(opts.keep ? Math.max(limit - items.length + 1, 100) : limit - items.length + 1, 10000);
    const chunk = await zsetPageAfter(redis, key, after, want);
    const loaded = await opts.load(chunk.map((c) => c.member));
    for (const pos of chunk) {
      if (items.length === limit) return { items, nextCursor: encodeZPosition(after!) };
      after = pos;
      scanned++;
      const item = loaded.get(pos.member);
      if (item !== undefined && (!opts.keep || opts.keep(item))) items.push(item);
    }
    if (chunk.length < want) return { items };
    if (items.length === limit) {
      // the chunk ended exactly on the page's last item: is there anything after it?
      const more = await zsetPageAfter(redis, key, after, 1);
      return more.length ? { items, nextCursor: encodeZPosition(after!) } : { items };
    }
    if (scanned >= maxScan) return { items, nextCursor: encodeZPosition(after!) };
  }
}

/**
 * A plain cursor for a list that only ever grows at its tail (a batch's rejected rows): the index
 * after the last item returned. Nothing is ever removed from such a list, so the index of an item
 * is its key.
 */
export function encodeIndexCursor(next: number): string {
  return `i${next}`;
}

/** Reads an index cursor; `length` is the list's length now (a cursor past it is out of range). */
export function decodeIndexCursor(cursor: string, length: number): number {
  const m = /^i(0|[1-9][0-9]{0,15})$/.exec(cursor);
  if (!m) throw new InvalidPageTokenError('the page token is malformed');
  const next = Number(m[1]);
  if (next > length) throw new InvalidPageTokenError('the page token is out of range for this list');
  return next;
}

/** A plain cursor for an audit log: the entries before this version come next. */
export function encodeVersionCursor(before: number): string {
  return `v${before}`;
}

/** Reads a version cursor; `latest` is the newest version the log holds (a cursor past it is out of range). */
export function decodeVersionCursor(cursor: string, latest: number): number {
  const m = /^v([1-9][0-9]{0,15})$/.exec(cursor);
  if (!m) throw new InvalidPageTokenError('the page token is malformed');
  const before = Number(m[1]);
  if (!Number.isSafeInteger(before) || before > latest + 1)
    throw new InvalidPageTokenError('the page token is out of range for this list');
  return before;
}
