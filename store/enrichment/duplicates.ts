/**
 * Duplicate detection by normalised email (README "What happens to a lead" prospecting). Redis hash
 * `<prefix>lead-by-email`: normalised email → the id of the first lead that claimed it.
 * Claims are atomic (HSETNX semantics in one script), so two leads racing for the same address
 * agree on which came first, and a retried claim by the same lead is not a duplicate.
 */
import type Redis from 'ioredis';
import { normaliseEmail } from './normalise';
import { redisScript, runScript } from '../redis-scripts';

/** KEYS: hash; ARGV: email, leadId → false when claimed now (or already ours), else the holder's id. */
const CLAIM = redisScript(
  'df_duplicates_CLAIM',
  1,
  `
if ARGV[1] == '' or ARGV[2] == '' then return redis.error_reply('INVALID claim: an address and a lead id are required') end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then return false end
local holder = redis.call('HGET', KEYS[1], ARGV[1])
if holder == ARGV[2] then return false end
return holder
`,
);

/** KEYS: hash; ARGV: email, leadId → 1 when the lead's claim was removed. */
const RELEASE = redisScript(
  'df_duplicates_RELEASE',
  1,
  `
if ARGV[1] == '' or ARGV[2] == '' then return redis.error_reply('INVALID release: an address and a lead id are required') end
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`,
);

export function createDuplicateRegistry(redis: Redis, prefix: string) {
  const key = `${prefix}lead-by-email`;
  return {
    key,
    /** Claims `email` for `leadId`; returns the other lead's id when one already holds it, else null. */
    async claimEmail(email: string, leadId: string): Promise<string | null> {
      const holder = (await runScript(redis, CLAIM, key, normaliseEmail(email), leadId)) as string | null;
      return holder ?? null;
    },
    /** The lead holding `email`, if any. */
    async leadForEmail(email: string): Promise<string | null> {
      return redis.hget(key, normaliseEmail(email));
    },
    /** Gives the address up (a lead deleted or merged); only its holder can. */
    async releaseEmail(email: string, leadId: string): Promise<boolean> {
      return (await runScript(redis, RELEASE, key, normaliseEmail(email), leadId)) === 1;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The address index: one person, one open lead (README "One lead per person")

/**
 * Where a lead stands in the address index. `pending` is a claim written just before the lead's
 * workflow is started; it becomes `open` once the start is confirmed, and `closed` when the deal is
 * won, lost or disqualified (the lead workflow says so through the `indexLeadClosed` activity).
 */
type AddressLeadStatus = 'pending' | 'open' | 'closed';

/** One lead that has (or had) an address. Times are epoch milliseconds. */
export interface AddressLead {
  id: string;
  status: AddressLeadStatus;
  createdAt: number;
  updatedAt: number;
  /** the closed lead this one follows (a returning customer's new deal) */
  previousLeadId?: string;
}

/**
 * What `resolve` decided for a lead about to start:
 * - `new`: nobody had the address open; the claim is written (`pending`), start the lead. A returning
 *   customer's new lead carries the closed lead it follows in `previousLeadId`.
 * - `same`: this id already holds the address (a retried create); start it again (Temporal refuses a
 *   second start, so nothing runs twice).
 * - `existing`: an input without an id for an address that has a lead: that lead IS the input (the
 *   newest open one, else the newest closed one — which is not re-opened).
 * - `conflict`: an explicit new id for an address another open lead holds (`id` is that lead).
 * - `stale`: a `pending` claim older than the claim lifetime blocks the address; the caller checks
 *   whether that lead's workflow exists (confirm or drop) and resolves again.
 */
export type AddressResolution =
  | { kind: 'new'; id: string; previousLeadId?: string }
  | { kind: 'same'; id: string; status: AddressLeadStatus }
  | { kind: 'existing'; id: string; status: AddressLeadStatus }
  | { kind: 'conflict'; id: string }
  | { kind: 'stale'; id: string };

/** How long a `pending` claim stands before a resolver asks Temporal whether its lead exists. */
export const PENDING_CLAIM_MS = 120_000;

// Shared by the scripts: input checks (before any write) and the decoded list of an address.
const LUA_COMMON = `
local function valid_id(s) return type(s) == 'string' and #s >= 1 and #s <= 128 and string.match(s, '^[%w%._:%-]+$') ~= nil end
local function valid_addr(s) return type(s) == 'string' and #s >= 3 and #s <= 254 and string.find(s, '@', 1, true) ~= nil end
local function load(key, addr)
  local raw = redis.call('HGET', key, addr)
  if not raw then return {} end
  local ok, v = pcall(cjson.decode, raw)
  if not ok or type(v) ~= 'table' then return nil end
  return v
end
`;

/**
 * KEYS: index hash; ARGV: address, id, explicit ('1' | '0'), now ms, pending lifetime ms.
 * → { kind, id, status-or-previous }. Validates every input and the stored entry before writing.
 */
const RESOLVE = redisScript(
  'df_duplicates_RESOLVE',
  1,
  `${LUA_COMMON}
local addr, id, explicit, now, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
if not valid_addr(addr) then return redis.error_reply('ERR invalid address') end
if not valid_id(id) then return redis.error_reply('ERR invalid lead id') end
if explicit ~= '1' and explicit ~= '0' then return redis.error_reply('ERR explicit must be 0 or 1') end
if not now or not ttl or now < 0 or ttl < 0 then return redis.error_reply('ERR invalid time') end
local list = load(KEYS[1], addr)
if not list then return redis.error_reply('ERR corrupt index entry for this address') end
local mine, open, closed
for _, e in ipairs(list) do
  if e.id == id then mine = e end
  if e.status == 'pending' and now - e.updatedAt > ttl and e.id ~= id then return { 'stale', e.id, '' } end
  if e.status == 'open' or e.status == 'pending' then
    if not open or e.createdAt > open.createdAt then open = e end
  elseif not closed or e.createdAt > closed.createdAt then closed = e end
end
if explicit == '0' then
  if open then return { 'existing', open.id, open.status } end
  if closed then return { 'existing', closed.id, closed.status } end
elseif mine then
  return { 'same', id, mine.status }
elseif open then
  return { 'conflict', open.id, open.status }
end
if mine then return { 'same', id, mine.status } end
local entry = { id = id, status = 'pending', createdAt = now, updatedAt = now }
if closed then entry.previousLeadId = closed.id end
table.insert(list, entry)
redis.call('HSET', KEYS[1], addr, cjson.encode(list))
return { 'new', id, closed and closed.id or '' }
`,
);

/**
 * KEYS: index hash; ARGV: address, id, status ('open' | 'closed'), createdAt ms, now ms.
 * Records a lead's status for an address (adding it if missing, e.g. a backfill). `closed` is final:
 * a late `open` never re-opens it. → 1 when something changed, else 0.
 */
const SET_STATUS = redisScript(
  'df_duplicates_SET_STATUS',
  1,
  `${LUA_COMMON}
local addr, id, status, created, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
if not valid_addr(addr) then return redis.error_reply('ERR invalid address') end
if not valid_id(id) then return redis.error_reply('ERR invalid lead id') end
if status ~= 'open' and status ~= 'closed' then return redis.error_reply('ERR status must be open or closed') end
if not created or not now or created < 0 or now < 0 then return redis.error_reply('ERR invalid time') end
local list = load(KEYS[1], addr)
if not list then return redis.error_reply('ERR corrupt index entry for this address') end
for _, e in ipairs(list) do
  if e.id == id then
    if e.status == status or e.status == 'closed' then return 0 end
    e.status = status
    e.updatedAt = now
    redis.call('HSET', KEYS[1], addr, cjson.encode(list))
    return 1
  end
end
table.insert(list, { id = id, status = status, createdAt = created, updatedAt = now })
redis.call('HSET', KEYS[1], addr, cjson.encode(list))
return 1
`,
);

/** KEYS: index hash; ARGV: address, id → 1 when the lead's `pending` claim was removed (a start that never happened). */
const DROP_PENDING = redisScript(
  'df_duplicates_DROP_PENDING',
  1,
  `${LUA_COMMON}
local addr, id = ARGV[1], ARGV[2]
if not valid_addr(addr) then return redis.error_reply('ERR invalid address') end
if not valid_id(id) then return redis.error_reply('ERR invalid lead id') end
local list = load(KEYS[1], addr)
if not list then return redis.error_reply('ERR corrupt index entry for this address') end
for i, e in ipairs(list) do
  if e.id == id and e.status == 'pending' then
    table.remove(list, i)
    if #list == 0 then redis.call('HDEL', KEYS[1], addr) else redis.call('HSET', KEYS[1], addr, cjson.encode(list)) end
    return 1
  end
end
return 0
`,
);

/** The lead a reply from an address belongs to, and why (README "Replies and matching"). */
export interface SenderMatch {
  leadId: string;
  reason: string;
}

/** Picks the lead a message from this address answers: the newest open lead, else the newest closed one. */
export function pickForSender(entries: AddressLead[]): SenderMatch | null {
  const newest = (xs: AddressLead[]) =>
    xs.reduce<AddressLead | null>((a, e) => (!a || e.createdAt > a.createdAt ? e : a), null);
  const open = entries.filter((e) => e.status !== 'closed');
  const o = newest(open);
  if (o)
    return {
      leadId: o.id,
      reason:
        open.length > 1 ? `newest of ${open.length} open leads for this address` : 'newest open lead for this address',
    };
  const c = newest(entries);
  return c ? { leadId: c.id, reason: 'no open lead for this address; newest closed lead' } : null;
}

/**
 * The address → leads index (README "One lead per person"): Redis hash `<prefix>leads-by-email`,
 * normalised address → JSON list of {@link AddressLead}. Every change is one Lua script, so two
 * imports or two API replicas resolving the same address agree on one lead.
 */
export function createLeadAddressIndex(redis: Redis, prefix: string) {
  const key = `${prefix}leads-by-email`;
  const legacy = `${prefix}lead-by-email`;
  return {
    key,
    /** Decides, atomically, which lead an input for `email` is (see {@link AddressResolution}). */
    async resolve(email: string, id: string, explicit: boolean, now = Date.now()): Promise<AddressResolution> {
      const [kind, lead, extra] = (await runScript(
        redis,
        RESOLVE,
        key,
        normaliseEmail(email),
        id,
        explicit ? '1' : '0',
        String(now),
        String(PENDING_CLAIM_MS),
      )) as [string, string, string];
      switch (kind) {
        case 'new':
          return extra ? { kind, id: lead, previousLeadId: extra } : { kind, id: lead };
        case 'same':
        case 'existing':
          return { kind, id: lead, status: extra as AddressLeadStatus };
        case 'conflict':
        case 'stale':
          return { kind, id: lead };
        default:
          throw new Error(`unexpected answer from the address index: ${kind}`);
      }
    },
    /** Marks the lead open (its workflow started) or closed; adds it when missing. Idempotent. */
    async setStatus(
      email: string,
      id: string,
      status: 'open' | 'closed',
      createdAt = Date.now(),
      now = Date.now(),
    ): Promise<boolean> {
      return (
        (await runScript(
          redis,
          SET_STATUS,
          key,
          normaliseEmail(email),
          id,
          status,
          String(Math.max(0, Math.round(createdAt))),
          String(now),
        )) === 1
      );
    },
    /** Removes a `pending` claim whose workflow never started. */
    async dropPending(email: string, id: string): Promise<boolean> {
      return (await runScript(redis, DROP_PENDING, key, normaliseEmail(email), id)) === 1;
    },
    /** Every lead recorded for the address, oldest first. */
    async entries(email: string): Promise<AddressLead[]> {
      const raw = await redis.hget(key, normaliseEmail(email));
      const list = raw ? (JSON.parse(raw) as AddressLead[]) : [];
      return list.sort((a, b) => a.createdAt - b.createdAt);
    },
    /**
     * The lead a message from `email` answers: the newest open lead, else the newest closed one.
     * An address without entries falls back to the prospecting claim (`<prefix>lead-by-email`) that
     * leads started before this index wrote; `dealflow leads reindex` fills the index for them.
     */
    async matchSender(email: string): Promise<SenderMatch | null> {
      const address = normaliseEmail(email);
      const hit = pickForSender(await this.entries(address));
      if (hit) return hit;
      const old = await redis.hget(legacy, address);
      return old
        ? { leadId: old, reason: 'the first lead that had this address (not in the address index yet)' }
        : null;
    },
  };
}

export type LeadAddressIndex = ReturnType<typeof createLeadAddressIndex>;
