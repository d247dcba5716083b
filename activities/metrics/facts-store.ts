/**
 * The lead facts in Redis (workflows/policy/facts.ts): one hash per lead and a few indexes, all
 * written by one Lua script that stores a snapshot only if its `seq` is higher than the stored one
 * (a retried, replayed or late write never makes a lead go back), and moves the lead's share of
 * the per-(team, stage) board counters in the same step, so the board and the gauges read a
 * handful of fields instead of every lead.
 *
 * Keys (all under REDIS_PREFIX):
 *   facts:<id>             hash  seq, json (the LeadFacts), bucket, cents, level (the lead's board share)
 *   facts:created          zset  id by createdAt (ms)       — funnel and segment cohorts
 *   facts:closed           zset  id by closedAt (ms)        — win rate, cycle, goals (won in a period)
 *   facts:contacted        zset  id by firstEmailAt (ms)    — goals (leads contacted)
 *   facts:active           set   ids of open leads and won leads still in follow_up
 *   facts:board            hash  <team>|<stage>|count|cents|atRisk|stalled → integers
 */
import type Redis from 'ioredis';
import type { LeadFacts } from '../../workflows/policy/facts';

const WRITE = `
local cur = redis.call('HGET', KEYS[1], 'seq')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
local old = redis.call('HMGET', KEYS[1], 'bucket', 'cents', 'level')
local function share(bucket, cents, level, sign)
  if (not bucket) or bucket == '' then return end
  redis.call('HINCRBY', KEYS[6], bucket .. '|count', sign)
  redis.call('HINCRBY', KEYS[6], bucket .. '|cents', string.format('%.0f', sign * tonumber(cents)))
  local l = tonumber(level) or 0
  if l == 2 then redis.call('HINCRBY', KEYS[6], bucket .. '|atRisk', sign) end
  if l >= 3 then redis.call('HINCRBY', KEYS[6], bucket .. '|stalled', sign) end
end
share(old[1], old[2], old[3], -1)
share(ARGV[5], ARGV[6], ARGV[7], 1)
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'json', ARGV[2], 'bucket', ARGV[5], 'cents', ARGV[6], 'level', ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
if ARGV[5] ~= '' then redis.call('SADD', KEYS[5], ARGV[3]) else redis.call('SREM', KEYS[5], ARGV[3]) end
if ARGV[8] ~= '' then redis.call('ZADD', KEYS[3], ARGV[8], ARGV[3]) else redis.call('ZREM', KEYS[3], ARGV[3]) end
if ARGV[9] ~= '' then redis.call('ZADD', KEYS[4], ARGV[9], ARGV[3]) end
return 1
`;

/** Open leads and won leads still in follow-up are on the board. */
export function onBoard(f: Pick<LeadFacts, 'status'>): boolean {
  return f.status === 'open' || f.status === 'won';
}

export interface BoardCell {
  team: string;
  stage: string;
  count: number;
  value: number;
  atRisk: number;
  stalled: number;
}

const CHUNK = 500;

export class FactsStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private k(name: string): string {
    return `${this.prefix}facts:${name}`;
  }

  /** Stores the snapshot unless a newer one is there; true when written. */
  async write(f: LeadFacts): Promise<boolean> {
    const ms = (iso: string | null) => (iso ? String(Date.parse(iso)) : '');
    const bucket = onBoard(f) ? `${f.team}|${f.stage}` : '';
    const res = await this.redis.eval(
      WRITE,
      6,
      this.k(f.id),
      this.k('created'),
      this.k('closed'),
      this.k('contacted'),
      this.k('active'),
      this.k('board'),
      String(f.seq),
      JSON.stringify(f),
      f.id,
      ms(f.createdAt),
      bucket,
      String(Math.round(f.value * 100)),
      String(f.escalationLevel),
      ms(f.closedAt),
      ms(f.firstEmailAt),
    );
    return res === 1;
  }

  async get(id: string): Promise<LeadFacts | null> {
    const raw = await this.redis.hget(this.k(id), 'json');
    return raw ? (JSON.parse(raw) as LeadFacts) : null;
  }

  /** Facts of many leads, in pipelined round trips of CHUNK; ids without facts are left out. */
  async many(ids: string[]): Promise<LeadFacts[]> {
    const out: LeadFacts[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const p = this.redis.pipeline();
      for (const id of ids.slice(i, i + CHUNK)) p.hget(this.k(id), 'json');
      for (const [err, raw] of (await p.exec()) ?? []) {
        if (err) throw err;
        if (raw) out.push(JSON.parse(raw as string) as LeadFacts);
      }
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

  /** The board counters per (team, stage): a single HGETALL whatever the number of leads. */
  async board(): Promise<BoardCell[]> {
    const raw = await this.redis.hgetall(this.k('board'));
    const cells = new Map<string, BoardCell>();
    for (const [field, v] of Object.entries(raw)) {
      const parts = field.split('|');
      const what = parts.pop()!;
      const stage = parts.pop()!;
      const team = parts.join('|');
      const key = `${team}|${stage}`;
      const c = cells.get(key) ?? { team, stage, count: 0, value: 0, atRisk: 0, stalled: 0 };
      const n = Number(v);
      if (what === 'count') c.count = n;
      else if (what === 'cents') c.value = n / 100;
      else if (what === 'atRisk') c.atRisk = n;
      else if (what === 'stalled') c.stalled = n;
      cells.set(key, c);
    }
    return [...cells.values()];
  }
}
