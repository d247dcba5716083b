/**
 * A lead's timeline kept outside the workflow (README "A lead's timeline"): every history entry the
 * lead records, for its whole life and after it, whatever its length. The workflow keeps only its
 * newest entries in its state; each entry is appended here first, by `seq` — its position in the
 * lead's timeline from 0 (`historyTrimmed` + its index in the state's `history`).
 *
 * One sorted set per lead, `<prefix>timeline:<leadId>`, score = seq, member = the entry as JSON with
 * its seq. Appending is idempotent: an entry is added only if its seq is not there yet (a retried or
 * replayed append adds nothing). Pages are keyset pages by seq, oldest first (activities/paging.ts
 * names the pattern): a cursor is the seq of the last entry a page returned.
 */
import type Redis from 'ioredis';
import type { HistoryEntry } from '../../workflows/types';
import { InvalidPageTokenError } from '../paging';
import { redisScript, runScript } from '../redis-scripts';
import { scriptRefusal } from '../errors';

/** A timeline entry with its position in the lead's timeline (0 = the first entry ever recorded). */
export type TimelineEntry = HistoryEntry & { seq: number };

/** The most entries one append may carry. */
export const MAX_APPEND = 500;

/**
 * KEYS[1] the lead's timeline; ARGV: seq1, json1, seq2, json2, ... Adds each entry whose seq is not
 * in the set yet; returns how many it added. Every input is checked before the first write.
 */
const APPEND = redisScript(
  'df_timeline_APPEND',
  1,
  `
local n = #ARGV
if n == 0 or n % 2 ~= 0 then return redis.error_reply('INVALID timeline append: pairs of seq and entry are required') end
for i = 1, n, 2 do
  local s = tonumber(ARGV[i])
  if not s or s < 0 or s ~= math.floor(s) then return redis.error_reply('INVALID timeline seq: a whole number >= 0 is required') end
  if #ARGV[i + 1] == 0 then return redis.error_reply('INVALID timeline entry: empty') end
end
local added = 0
for i = 1, n, 2 do
  if redis.call('ZCOUNT', KEYS[1], ARGV[i], ARGV[i]) == 0 then
    redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
    added = added + 1
  end
end
return added
`,
);

export class TimelineStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(leadId: string): string {
    return `${this.prefix}timeline:${leadId}`;
  }

  /** Appends entries (idempotent by seq); returns how many were new. */
  async append(leadId: string, entries: TimelineEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const args: string[] = [];
    for (const e of entries) args.push(String(e.seq), JSON.stringify(e));
    return Number(await runScript(this.redis, APPEND, this.key(leadId), ...args).catch(scriptRefusal));
  }

  /** Up to `limit` stored entries with seq greater than `afterSeq` (-1: from the first), oldest first. */
  async after(leadId: string, afterSeq: number, limit: number): Promise<TimelineEntry[]> {
    const raw = await this.redis.zrangebyscore(this.key(leadId), `(${afterSeq}`, '+inf', 'LIMIT', 0, limit);
    return raw.map((r) => JSON.parse(r) as TimelineEntry);
  }
}

/** Reads a timeline cursor (the seq of the last entry of a page); anything else is an InvalidPageTokenError. */
export function decodeSeqCursor(cursor: string | undefined): number {
  if (cursor === undefined) return -1;
  if (!/^\d{1,15}$/.test(cursor)) throw new InvalidPageTokenError('the page token is malformed');
  return Number(cursor);
}
