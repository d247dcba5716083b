/**
 * Longer than our ~400-line guide on purpose: each Lua script sits beside the TypeScript that validates its input.
 *
 * The lead facts in Redis (workflows/policy/facts.ts): one hash per lead and a few indexes, all
 * written by one Lua script that stores a snapshot only if its `seq` is higher than the stored one
 * (a retried, replayed or late write never makes a lead go back), and moves the lead's share of
 * the per-(team, stage, currency) board counters in the same step, so the board and the gauges read
 * a handful of fields instead of every lead (docs/ARCHITECTURE.md, "Lead facts").
 *
 * Keys (all under REDIS_PREFIX):
 *   facts:<id>             hash  seq, json (the LeadFacts), cell, minor, level (the lead's board share)
 *                                (a lead whose id is one of the index names below uses facts:#lead:<id>)
 *   facts:created          zset  id by createdAt (ms)       — funnel and segment cohorts; every lead with facts
 *   facts:closed           zset  id by closedAt (ms)        — win rate, cycle, goals (won in a period)
 *   facts:contacted        zset  id by firstEmailAt (ms)    — goals (leads contacted)
 *   facts:active           set   ids of open leads and won leads still in follow_up
 *   facts:#board           hash  <team>|<stage>|<currency>|count|minor|atRisk|stalled → integers
 *                                <team> is percent-encoded (encodeURIComponent: a `|` in it is %7C),
 *                                <currency> the ISO 4217 code, minor = the sum of the values in the
 *                                currency's minor units (money.ts). Lead ids cannot contain `#`, so
 *                                no lead hash can take this name. (The board of earlier versions,
 *                                facts:board, is no longer read; `dealflow metrics rebuild` fills this one.)
 *   facts:#reconcile       string  JSON of the last reconcile report (the drift gauge reads it)
 *
 * Every script validates all its inputs before its first write (Redis keeps the writes a failing
 * script already made), and writes the lead's seq and share before moving any counter, so a retry
 * can never move a counter twice. A refusal is an InvalidInputError: never retried.
 */
import type Redis from 'ioredis';
import { STAGES } from '../../config/defaults';
import type { LeadFacts } from '../../workflows/policy/facts';
import { InvalidInputError, scriptRefusal } from '../errors';
import { fromMinor, isCurrencyCode, toMinor } from './money';
import { redisScript, runScript } from '../redis-scripts';

/** Index names that a lead id could otherwise collide with (ids match [A-Za-z0-9._:-]). */
const RESERVED = ['created', 'closed', 'contacted', 'active', 'board'];
/** Largest integer the counters keep (beyond it a JS number is no longer exact). */
const LIMIT = Number.MAX_SAFE_INTEGER;

/** Lua shared by the scripts: input checks and the move of one lead's board share. */
const PRELUDE = `
local LIMIT = ${LIMIT}
local function nat(s) return type(s) == 'string' and #s <= 16 and (s == '0' or string.find(s, '^[1-9]%d*$') ~= nil) end
local function int(s) return nat(s) or (type(s) == 'string' and string.sub(s, 1, 1) == '-' and nat(string.sub(s, 2)) and s ~= '-0') end
local function opt(s) return s == '' or int(s) end
local function cellok(s) return s == '' or (type(s) == 'string' and #s <= 400 and string.find(s, '^[^|]+|[a-z_]+|[A-Z][A-Z][A-Z]$') ~= nil) end
local function shareok(c, m, l) return cellok(c) and nat(m) and nat(l) and (c ~= '' or (m == '0' and l == '0')) end
local function fields(c, l)
  if c == '' then return {} end
  local f = { c .. '|count', c .. '|minor' }
  local lv = tonumber(l)
  if lv == 2 then f[#f + 1] = c .. '|atRisk' end
  if lv >= 3 then f[#f + 1] = c .. '|stalled' end
  return f
end
-- nil when moving the share from (oc, om, ol) to (nc, nm, nl) is safe, else the reason
local function checkmove(board, oc, om, ol, nc, nm, nl)
  local touched = {}
  for _, f in ipairs(fields(oc, ol)) do touched[#touched + 1] = f end
  for _, f in ipairs(fields(nc, nl)) do touched[#touched + 1] = f end
  if #touched == 0 then return nil end
  local vals = redis.call('HMGET', board, unpack(touched))
  for i, v in ipairs(vals) do
    if v and not int(v) then return 'CORRUPT board field ' .. touched[i] end
  end
  if nc ~= '' then
    local cur = tonumber(redis.call('HGET', board, nc .. '|minor') or '0')
    local d = tonumber(nm)
    if oc == nc then d = d - tonumber(om) end
    if cur + d > LIMIT then return 'INVALID value: the board total of ' .. nc .. ' would pass ' .. LIMIT .. ' minor units' end
  end
  return nil
end
local function move(board, c, m, l, sign)
  if c == '' then return end
  redis.call('HINCRBY', board, c .. '|count', sign .. '1')
  if m ~= '0' then redis.call('HINCRBY', board, c .. '|minor', sign .. m) end
  local lv = tonumber(l)
  if lv == 2 then redis.call('HINCRBY', board, c .. '|atRisk', sign .. '1') end
  if lv >= 3 then redis.call('HINCRBY', board, c .. '|stalled', sign .. '1') end
end
-- KEYS: lead, created, closed, contacted, active, board (WRITE and RESHARE)
local function indexes(id, createdMs, active, closedMs, contactedMs)
  redis.call('ZADD', KEYS[2], createdMs, id)
  if active then redis.call('SADD', KEYS[5], id) else redis.call('SREM', KEYS[5], id) end
  if closedMs ~= '' then redis.call('ZADD', KEYS[3], closedMs, id) else redis.call('ZREM', KEYS[3], id) end
  if contactedMs ~= '' then redis.call('ZADD', KEYS[4], contactedMs, id) else redis.call('ZREM', KEYS[4], id) end
end
-- sets the lead's share to (nc, nm, nl) (with \`extra\` fields in the same HSET), moves the board by
-- the difference and sets the index entries; the inputs are checked by the caller. The lead's
-- hash is written before any counter. 1 done, 2 done but the board was unreadable (left as it is).
local function reshare(id, createdMs, nc, nm, nl, closedMs, contactedMs, extra)
  local old = redis.call('HMGET', KEYS[1], 'cell', 'minor', 'level')
  local oc, om, ol = old[1] or '', old[2] or '0', old[3] or '0'
  -- an unreadable stored share is dropped (the reconcile finds the drift it leaves)
  if not shareok(oc, om, ol) then oc, om, ol = '', '0', '0' end
  local why = checkmove(KEYS[6], oc, om, ol, nc, nm, nl)
  if why and string.sub(why, 1, 7) == 'INVALID' then return redis.error_reply(why) end
  redis.call('HSET', KEYS[1], 'cell', nc, 'minor', nm, 'level', nl, unpack(extra))
  redis.call('HDEL', KEYS[1], 'bucket', 'cents')
  if not why then
    move(KEYS[6], oc, om, ol, '-')
    move(KEYS[6], nc, nm, nl, '')
  end
  indexes(id, createdMs, nc ~= '', closedMs, contactedMs)
  if why then return 2 end
  return 1
end
`;

/**
 * KEYS: lead, created, closed, contacted, active, board.
 * ARGV: seq, json, id, createdMs, cell, minor, level, closedMs, firstEmailMs.
 * 1 written, 0 stale (seq not higher), 2 written but the board was unreadable (left for the reconcile).
 */
const WRITE = redisScript(
  'df_facts_store_WRITE',
  6,
  `${PRELUDE}
local bad = {}
if not nat(ARGV[1]) or ARGV[1] == '0' then bad[#bad + 1] = 'seq' end
if type(ARGV[2]) ~= 'string' or string.sub(ARGV[2], 1, 1) ~= '{' then bad[#bad + 1] = 'json' end
if ARGV[3] == '' then bad[#bad + 1] = 'id' end
if not int(ARGV[4]) then bad[#bad + 1] = 'createdAt' end
if not shareok(ARGV[5], ARGV[6], ARGV[7]) then bad[#bad + 1] = 'board share' end
if not opt(ARGV[8]) then bad[#bad + 1] = 'closedAt' end
if not opt(ARGV[9]) then bad[#bad + 1] = 'firstEmailAt' end
if #bad > 0 then return redis.error_reply('INVALID lead facts: ' .. table.concat(bad, ', ')) end
local cur = redis.call('HGET', KEYS[1], 'seq')
if cur and nat(cur) and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
-- the seq goes in with the share: from here on a retry is stale and cannot move a counter again
return reshare(ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], { 'seq', ARGV[1], 'json', ARGV[2] })
`,
);

/**
 * The reconcile's repair of one lead: sets its share and index entries to what its stored facts say,
 * moving the board by the difference, only if its seq is still the one read (else the lead wrote
 * meanwhile and its own write set both). KEYS as WRITE; ARGV: seq read, id, createdMs, cell, minor,
 * level, closedMs, firstEmailMs. 1 repaired, 0 skipped.
 */
const RESHARE = redisScript(
  'df_facts_store_RESHARE',
  6,
  `${PRELUDE}
local bad = {}
if ARGV[2] == '' then bad[#bad + 1] = 'id' end
if not int(ARGV[3]) then bad[#bad + 1] = 'createdAt' end
if not shareok(ARGV[4], ARGV[5], ARGV[6]) then bad[#bad + 1] = 'board share' end
if not opt(ARGV[7]) then bad[#bad + 1] = 'closedAt' end
if not opt(ARGV[8]) then bad[#bad + 1] = 'firstEmailAt' end
if #bad > 0 then return redis.error_reply('INVALID lead share: ' .. table.concat(bad, ', ')) end
if (redis.call('HGET', KEYS[1], 'seq') or '') ~= ARGV[1] then return 0 end
return reshare(ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], {})
`,
);

/**
 * The board against the sum of every lead's stored share, in one atomic step (leads writing
 * meanwhile move both sides alike, so nothing is counted twice). KEYS: created, board;
 * ARGV: lead key base (…facts:), '1' to repair, then the reserved ids. Returns field, expected,
 * stored triples for every field that differs (repaired: set to expected). Reads every lead's share
 * hash: O(leads), Redis is busy about 8 ms per 1,000 leads (80 ms measured for 10,000).
 */
const BOARD = redisScript(
  'df_facts_store_BOARD',
  2,
  `${PRELUDE}
local reserved = {}
for i = 3, #ARGV do reserved[ARGV[i]] = true end
local cells, okcell = {}, {}
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, id in ipairs(ids) do
  local lk = ARGV[1] .. id
  if reserved[id] then lk = ARGV[1] .. '#lead:' .. id end
  local s = redis.call('HMGET', lk, 'cell', 'minor', 'level')
  local c, m, l = s[1], s[2] or '0', s[3] or '0'
  if c and c ~= '' then
    if okcell[c] == nil then okcell[c] = cellok(c) end
    if okcell[c] and nat(m) and nat(l) then
      local t = cells[c]
      if not t then t = { 0, 0, 0, 0 }; cells[c] = t end
      t[1] = t[1] + 1
      t[2] = t[2] + tonumber(m)
      local lv = tonumber(l)
      if lv == 2 then t[3] = t[3] + 1 elseif lv >= 3 then t[4] = t[4] + 1 end
    end
  end
end
local want = {}
for c, t in pairs(cells) do
  want[c .. '|count'] = t[1]
  want[c .. '|minor'] = t[2]
  if t[3] > 0 then want[c .. '|atRisk'] = t[3] end
  if t[4] > 0 then want[c .. '|stalled'] = t[4] end
end
local have = {}
local flat = redis.call('HGETALL', KEYS[2])
for i = 1, #flat, 2 do have[flat[i]] = flat[i + 1] end
local out = {}
local function check(f)
  local e = want[f] or 0
  local h = have[f]
  if h == nil and e == 0 then return end
  if h ~= nil and int(h) and tonumber(h) == e then return end
  out[#out + 1] = f
  out[#out + 1] = string.format('%.0f', e)
  out[#out + 1] = h or '0'
  if ARGV[2] == '1' then
    if e == 0 then redis.call('HDEL', KEYS[2], f) else redis.call('HSET', KEYS[2], f, string.format('%.0f', e)) end
  end
end
for f, _ in pairs(want) do check(f) end
for f, _ in pairs(have) do if want[f] == nil then check(f) end end
return out
`,
);

/** Open leads and won leads still in follow-up are on the board. */
function onBoard(f: Pick<LeadFacts, 'status'>): boolean {
  return f.status === 'open' || f.status === 'won';
}

/**
 * One board cell: the leads on the board of one team in one stage whose value is in one currency.
 * `value` is their summed value in major units (exact to the currency's ISO 4217 digits), never a
 * sum across currencies; `atRisk` counts escalation level 2 and `stalled` level ≥ 3, as the board's
 * card badges do (web/src/views/board.ts).
 */
export interface BoardCell {
  team: string;
  stage: string;
  currency: string;
  count: number;
  value: number;
  atRisk: number;
  stalled: number;
}

/** A lead's share of the board: its cell ('' when not on the board), value in minor units, level. */
interface BoardShare {
  cell: string;
  minor: number;
  level: number;
}

/** The board cell name of (team, stage, currency): the team percent-encoded, so `|` cannot split it. */
export const cellName = (team: string, stage: string, currency: string): string =>
  `${encodeURIComponent(team)}|${stage}|${currency}`;

const isMs = (iso: string | null | undefined): boolean =>
  iso === null || iso === undefined || !Number.isNaN(Date.parse(iso));
const msOf = (iso: string | null | undefined): string => (iso ? String(Date.parse(iso)) : '');

/** Every problem with a facts snapshot, as `field: reason` (empty when it can be stored). */
function factsProblems(f: LeadFacts): string[] {
  const p: string[] = [];
  if (typeof f.id !== 'string' || !f.id) p.push('id: required');
  if (!Number.isSafeInteger(f.seq) || f.seq < 1) p.push('seq: an integer ≥ 1');
  if (typeof f.team !== 'string' || !f.team) p.push('team: required');
  else if (encodeURIComponent(f.team).length > 380) p.push('team: too long for a board cell');
  if (!(STAGES as readonly string[]).includes(f.stage)) p.push(`stage: one of ${STAGES.join(', ')}`);
  if (!isCurrencyCode(f.currency)) p.push('currency: an ISO 4217 code such as EUR');
  else if (toMinor(f.value, f.currency) === null) p.push(`value: a number ≥ 0 of at most ${LIMIT} minor units`);
  if (!Number.isSafeInteger(f.escalationLevel) || f.escalationLevel < 0) p.push('escalationLevel: an integer ≥ 0');
  if (typeof f.createdAt !== 'string' || Number.isNaN(Date.parse(f.createdAt))) p.push('createdAt: an ISO-8601 time');
  if (!isMs(f.closedAt)) p.push('closedAt: an ISO-8601 time or null');
  if (!isMs(f.firstEmailAt)) p.push('firstEmailAt: an ISO-8601 time or null');
  return p;
}

/** The board share a snapshot stands for (call factsProblems first: it assumes valid facts). */
function shareOf(f: LeadFacts): BoardShare {
  if (!onBoard(f)) return { cell: '', minor: 0, level: 0 };
  return {
    cell: cellName(f.team, f.stage, f.currency),
    minor: toMinor(f.value, f.currency)!,
    level: f.escalationLevel,
  };
}

/** A difference the reconcile found: what the per-lead facts say against what was stored. */
interface Drift {
  /** a board field (`<team>|<stage>|<currency>|count|minor|atRisk|stalled`) or `<lead id>:share|active|closed|contacted` */
  field: string;
  expected: string;
  stored: string;
}

/** What `reconcile` found (and repaired when asked). */
export interface ReconcileReport {
  at: string;
  repaired: boolean;
  /** leads with stored facts that were checked */
  leads: number;
  /** facts that could not be read (bad JSON or values): left as they are, listed by id */
  unreadable: string[];
  /** the sum of |expected − stored| per kind of field: count, minor, atRisk, stalled, share, active, closed, contacted */
  totals: Record<DriftKind, number>;
  /** every difference found, the first 200 */
  drift: Drift[];
  /** how many differences there were in all */
  driftCount: number;
}

const DRIFT_KINDS = ['count', 'minor', 'atRisk', 'stalled', 'share', 'active', 'closed', 'contacted'] as const;
type DriftKind = (typeof DRIFT_KINDS)[number];
const DRIFT_KEEP = 200;

const CHUNK = 500;

export class FactsStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private k(name: string): string {
    return `${this.prefix}facts:${name}`;
  }
  /** the hash of one lead (an id equal to an index name gets a name no index can take) */
  private lead(id: string): string {
    return RESERVED.includes(id) ? this.k(`#lead:${id}`) : this.k(id);
  }
  private keys(id: string): string[] {
    return [
      this.lead(id),
      this.k('created'),
      this.k('closed'),
      this.k('contacted'),
      this.k('active'),
      this.k('#board'),
    ];
  }

  /**
   * Stores the snapshot unless a newer one is there; true when written. Throws InvalidInputError
   * (nothing written) for facts that cannot be stored: a missing value counts as 0, a negative,
   * non-finite or too large one is refused, as are an unknown stage or a malformed currency.
   */
  async write(f: LeadFacts): Promise<boolean> {
    const problems = factsProblems(f);
    if (problems.length) throw new InvalidInputError(`lead facts of ${String(f.id)} refused: ${problems.join('; ')}`);
    const s = shareOf(f);
    const res = await runScript(
      this.redis,
      WRITE,
      ...this.keys(f.id),
      String(f.seq),
      JSON.stringify(f),
      f.id,
      msOf(f.createdAt),
      s.cell,
      String(s.minor),
      String(s.level),
      msOf(f.closedAt),
      msOf(f.firstEmailAt),
    ).catch(scriptRefusal);
    return res === 1 || res === 2;
  }

  async get(id: string): Promise<LeadFacts | null> {
    const raw = await this.redis.hget(this.lead(id), 'json');
    return raw ? (JSON.parse(raw) as LeadFacts) : null;
  }

  /** Facts of many leads, in pipelined round trips of CHUNK; ids without facts are left out. */
  async many(ids: string[]): Promise<LeadFacts[]> {
    const out: LeadFacts[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const p = this.redis.pipeline();
      for (const id of ids.slice(i, i + CHUNK)) p.hget(this.lead(id), 'json');
      for (const [err, raw] of (await p.exec()) ?? []) {
        if (err) throw err;
        if (raw) out.push(JSON.parse(raw as string) as LeadFacts);
      }
    }
    return out;
  }

  /** The ids among `ids` that have no stored facts. */
  async without(ids: string[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      const p = this.redis.pipeline();
      for (const id of part) p.exists(this.lead(id));
      const res = (await p.exec()) ?? [];
      res.forEach(([err, n], j) => {
        if (err) throw err;
        if (n === 0) out.push(part[j]);
      });
    }
    return out;
  }

  private range(index: 'created' | 'closed' | 'contacted', fromMs: number, toMs: number): Promise<string[]> {
    // [from, to): the upper bound is exclusive
    return this.redis.zrangebyscore(this.k(index), fromMs, `(${toMs}`);
  }

  createdIn(fromMs: number, toMs: number): Promise<LeadFacts[]> {
    return this.range('created', fromMs, toMs).then((ids) => this.many(ids));
  }
  closedIn(fromMs: number, toMs: number): Promise<LeadFacts[]> {
    return this.range('closed', fromMs, toMs).then((ids) => this.many(ids));
  }
  contactedIn(fromMs: number, toMs: number): Promise<LeadFacts[]> {
    return this.range('contacted', fromMs, toMs).then((ids) => this.many(ids));
  }
  async active(): Promise<LeadFacts[]> {
    return this.many(await this.redis.smembers(this.k('active')));
  }
  /** Ids of the leads on the board (open, and won in follow-up) as their facts say. */
  activeIds(): Promise<string[]> {
    return this.redis.smembers(this.k('active'));
  }
  /** The stored seq of a lead's facts (0 when it has none). */
  async seq(id: string): Promise<number> {
    return Number((await this.redis.hget(this.lead(id), 'seq')) ?? 0) || 0;
  }

  /**
   * The board counters, one cell per (team, stage, currency): a single HGETALL whatever the number
   * of leads. Cells whose counters are all 0 are left out; a field that is not ours is ignored.
   */
  async board(): Promise<BoardCell[]> {
    return cellsOf(await this.redis.hgetall(this.k('#board')));
  }

  /** The last reconcile report (null before the first). */
  async lastReconcile<R extends ReconcileReport = ReconcileReport>(): Promise<R | null> {
    const raw = await this.redis.get(this.k('#reconcile'));
    return raw ? (JSON.parse(raw) as R) : null;
  }
  /** Keeps a reconcile report as the last one (the drift gauge reads it). */
  async saveReconcile(report: ReconcileReport): Promise<void> {
    await this.redis.set(this.k('#reconcile'), JSON.stringify(report));
  }

  /**
   * Recomputes every board counter and index entry from the per-lead facts, reports the drift
   * (expected vs stored) and, with `repair`, sets what differs. Safe while leads keep writing: each
   * lead is repaired only if its seq did not change since it was read, and the board is compared
   * with the sum of the stored shares in one atomic script. The report is kept for the drift gauge.
   */
  async reconcile(opts: { repair: boolean; now?: Date }): Promise<ReconcileReport> {
    const totals = Object.fromEntries(DRIFT_KINDS.map((k) => [k, 0])) as Record<DriftKind, number>;
    const drift: Drift[] = [];
    let driftCount = 0;
    const found = (kind: DriftKind, field: string, expected: string, stored: string, size = 1) => {
      totals[kind] += size;
      driftCount += 1;
      if (drift.length < DRIFT_KEEP) drift.push({ field, expected, stored });
    };
    const unreadable: string[] = [];
    const ids = await this.redis.zrange(this.k('created'), '0', '-1');
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      const p = this.redis.pipeline();
      for (const id of part) {
        p.hmget(this.lead(id), 'seq', 'json', 'cell', 'minor', 'level');
        p.sismember(this.k('active'), id);
        p.zscore(this.k('closed'), id);
        p.zscore(this.k('contacted'), id);
      }
      const res = (await p.exec()) ?? [];
      for (let j = 0; j < part.length; j++) {
        const id = part[j];
        const [[e1, row], [e2, member], [e3, closed], [e4, contacted]] = res.slice(j * 4, j * 4 + 4) as [
          Error | null,
          unknown,
        ][];
        const failed = e1 ?? e2 ?? e3 ?? e4;
        if (failed) throw failed;
        const [seq, json, cell, minor, level] = row as (string | null)[];
        let f: LeadFacts;
        try {
          f = JSON.parse(json ?? '') as LeadFacts;
          if (factsProblems(f).length || f.id !== id) throw new Error('bad facts');
        } catch {
          unreadable.push(id);
          continue;
        }
        const want = shareOf(f);
        const stored = `${cell ?? ''}/${minor ?? '0'}/${level ?? '0'}`;
        const expected = `${want.cell}/${want.minor}/${want.level}`;
        const checks: [DriftKind, string, string][] = [
          ['share', expected, stored],
          ['active', want.cell ? '1' : '0', String(member)],
          ['closed', msOf(f.closedAt), closed === null ? '' : String(Number(closed))],
          ['contacted', msOf(f.firstEmailAt), contacted === null ? '' : String(Number(contacted))],
        ];
        const wrong = checks.filter(([, e, s]) => e !== s);
        for (const [kind, e, s] of wrong) found(kind, `${id}:${kind}`, e, s);
        if (wrong.length && opts.repair) {
          await runScript(
            this.redis,
            RESHARE,
            ...this.keys(id),
            seq ?? '',
            id,
            msOf(f.createdAt),
            want.cell,
            String(want.minor),
            String(want.level),
            msOf(f.closedAt),
            msOf(f.firstEmailAt),
          ).catch(scriptRefusal);
        }
      }
    }
    const flat = (await runScript(
      this.redis,
      BOARD,
      this.k('created'),
      this.k('#board'),
      this.k(''),
      opts.repair ? '1' : '0',
      ...RESERVED,
    )) as string[];
    for (let i = 0; i < flat.length; i += 3) {
      const [field, expected, stored] = [flat[i], flat[i + 1], flat[i + 2]];
      const kind = field.slice(field.lastIndexOf('|') + 1) as DriftKind;
      const size = Math.abs(Number(expected) - (Number(stored) || 0));
      found((DRIFT_KINDS as readonly string[]).includes(kind) ? kind : 'count', field, expected, stored, size);
    }
    const report: ReconcileReport = {
      at: (opts.now ?? new Date()).toISOString(),
      repaired: opts.repair,
      leads: ids.length,
      unreadable,
      totals,
      drift,
      driftCount,
    };
    await this.saveReconcile(report);
    return report;
  }
}

/** Board cells from the board hash's fields (exported for the reconcile's tests). */
function cellsOf(raw: Record<string, string>): BoardCell[] {
  const cells = new Map<string, BoardCell>();
  const minors = new Map<string, number>();
  for (const [field, v] of Object.entries(raw)) {
    const parts = field.split('|');
    if (parts.length !== 4) continue;
    const [enc, stage, currency, what] = parts;
    let team: string;
    try {
      team = decodeURIComponent(enc);
    } catch {
      continue;
    }
    const key = `${enc}|${stage}|${currency}`;
    const c = cells.get(key) ?? { team, stage, currency, count: 0, value: 0, atRisk: 0, stalled: 0 };
    const n = Number(v);
    if (what === 'count') c.count = n;
    else if (what === 'minor') minors.set(key, n);
    else if (what === 'atRisk') c.atRisk = n;
    else if (what === 'stalled') c.stalled = n;
    else continue;
    cells.set(key, c);
  }
  for (const [key, m] of minors) cells.get(key)!.value = fromMinor(m, cells.get(key)!.currency);
  return [...cells.values()].filter((c) => c.count || c.value || c.atRisk || c.stalled);
}
