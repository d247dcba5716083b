/**
 * The facts store on a real Redis: a snapshot is stored only if its seq is newer (retries, replays
 * and late writes never make a lead go back), and the board counters follow the lead's latest
 * snapshot exactly (moves, escalation, win, loss).
 */
import crypto from 'node:crypto';
import Redis from 'ioredis';
import { FactsStore } from '../../../store/metrics/facts-store';
import { createFactsActivities } from '../../../activities/metrics/facts.activities';
import type { LeadFacts } from '../../../workflows/policy/facts';

let redis: Redis;
let store: FactsStore;
let prefix: string;
beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL!, { maxRetriesPerRequest: 2 });
  prefix = `test-facts-${crypto.randomBytes(4).toString('hex')}:`;
  store = new FactsStore(redis, prefix);
});
afterAll(() => redis.disconnect());

const facts = (o: Partial<LeadFacts> & Pick<LeadFacts, 'id' | 'seq'>): LeadFacts => ({
  team: 'alpha',
  owner: 'alice',
  source: null,
  industry: 'unknown',
  size: 'unknown',
  campaign: null,
  value: 100.1,
  currency: 'USD',
  stage: 'prospecting',
  status: 'open',
  escalationLevel: 0,
  createdAt: '2026-02-01T10:00:00.000Z',
  closedAt: null,
  completedAt: null,
  wonAmount: null,
  firstEmailAt: null,
  emailsSent: 0,
  visits: [],
  ...o,
});
const cell = async (team: string, stage: string, currency = 'USD') =>
  (await store.board()).find((c) => c.team === team && c.stage === stage && c.currency === currency);

test('a write with an older or equal seq is ignored; the board follows the latest snapshot', async () => {
  const { recordLeadFacts } = createFactsActivities({ redis, prefix });
  expect(await recordLeadFacts(facts({ id: 'a', seq: 1 }))).toBe(true);
  expect(await recordLeadFacts(facts({ id: 'a', seq: 3, stage: 'approach', escalationLevel: 2 }))).toBe(true);
  // a late retry of seq 2 and a replayed seq 3 change nothing
  expect(await recordLeadFacts(facts({ id: 'a', seq: 2, stage: 'closing' }))).toBe(false);
  expect(await recordLeadFacts(facts({ id: 'a', seq: 3, stage: 'closing' }))).toBe(false);
  expect((await store.get('a'))?.stage).toBe('approach');
  expect(await cell('alpha', 'prospecting')).toBeUndefined(); // an empty cell is left out
  expect(await cell('alpha', 'approach')).toEqual({
    team: 'alpha',
    stage: 'approach',
    currency: 'USD',
    count: 1,
    value: 100.1,
    atRisk: 1,
    stalled: 0,
  });

  await store.write(facts({ id: 'b', seq: 1, stage: 'approach', escalationLevel: 3, value: 50 }));
  expect(await cell('alpha', 'approach')).toMatchObject({ count: 2, value: 150.1, atRisk: 1, stalled: 1 });
  // b is won: it leaves approach for follow_up and is indexed as closed; a is lost and leaves the board
  await store.write(
    facts({
      id: 'b',
      seq: 2,
      stage: 'follow_up',
      status: 'won',
      value: 60,
      wonAmount: 60,
      closedAt: '2026-02-03T00:00:00.000Z',
    }),
  );
  await store.write(
    facts({ id: 'a', seq: 4, stage: 'approach', status: 'lost', closedAt: '2026-02-04T00:00:00.000Z' }),
  );
  expect(await cell('alpha', 'approach')).toBeUndefined();
  expect(await cell('alpha', 'follow_up')).toMatchObject({ count: 1, value: 60 });
  expect((await store.active()).map((f) => f.id)).toEqual(['b']);
  const closed = await store.closedIn(Date.parse('2026-02-03T00:00:00Z'), Date.parse('2026-02-04T00:00:00Z'));
  expect(closed.map((f) => f.id)).toEqual(['b']); // [from, to): a closed exactly at `to` is not in it
  expect((await store.createdIn(0, Date.parse('2027-01-01T00:00:00Z'))).map((f) => f.id).sort()).toEqual(['a', 'b']);
});

test('many() reads in pipelined chunks and leaves out unknown ids', async () => {
  const ids = Array.from({ length: 1203 }, (_, i) => `m${i}`);
  await Promise.all(
    ids.map((id) => store.write(facts({ id, seq: 1, team: 'bulk', createdAt: '2025-01-01T00:00:00.000Z' }))),
  );
  const got = await store.many([...ids, 'nobody']);
  expect(got).toHaveLength(1203);
  expect(await cell('bulk', 'prospecting')).toMatchObject({ count: 1203, value: 120420.3 });
});

const raw = () => redis.hgetall(`${prefix}facts:#board`);

test('issue 11 input: a lead with value 0 moves without the board going negative, and a retry moves nothing twice', async () => {
  const base = { id: 'zero-1', team: 'zero', value: 0, stage: 'presentation' as const };
  expect(await store.write(facts({ ...base, seq: 1 }))).toBe(true);
  expect(await cell('zero', 'presentation')).toMatchObject({ count: 1, value: 0 });
  // before the fix the second write failed on HINCRBY "-0" after taking the count down, for ever
  expect(await store.write(facts({ ...base, seq: 2, escalationLevel: 1 }))).toBe(true);
  expect(await store.write(facts({ ...base, seq: 2, escalationLevel: 1 }))).toBe(false);
  expect(await cell('zero', 'presentation')).toMatchObject({ count: 1, value: 0, atRisk: 0, stalled: 0 });
  // a missing value (a lead from before values were defaulted) counts as 0
  expect(await store.write(facts({ ...base, seq: 3, stage: 'objections', value: undefined }))).toBe(true);
  expect(await cell('zero', 'presentation')).toBeUndefined();
  expect(await cell('zero', 'objections')).toMatchObject({ count: 1, value: 0 });
  await store.write(
    facts({ ...base, seq: 4, stage: 'objections', status: 'lost', closedAt: '2026-02-05T00:00:00.000Z' }),
  );
  expect(Object.values(await raw()).filter((v) => v.startsWith('-'))).toEqual([]);
  expect(await cell('zero', 'objections')).toBeUndefined();
});

test('money is kept per currency in ISO 4217 minor units (JPY 0 digits, EUR 2, BHD 3)', async () => {
  await store.write(
    facts({ id: 'jpy', seq: 1, team: 'money', stage: 'presentation', currency: 'JPY', value: 10000000 }),
  );
  await store.write(
    facts({ id: 'eur', seq: 1, team: 'money', stage: 'presentation', currency: 'EUR', value: 60000.015 }),
  );
  await store.write(facts({ id: 'bhd', seq: 1, team: 'money', stage: 'presentation', currency: 'BHD', value: 1.0005 }));
  await store.write(facts({ id: 'eur2', seq: 1, team: 'money', stage: 'presentation', currency: 'EUR', value: 0.1 }));
  await store.write(facts({ id: 'eur3', seq: 1, team: 'money', stage: 'presentation', currency: 'EUR', value: 0.2 }));
  expect(await cell('money', 'presentation', 'JPY')).toMatchObject({ count: 1, value: 10000000 });
  // 60000.015 rounds half up to 6000002 cents; 0.1 + 0.2 is exactly 0.30 in cents
  expect(await cell('money', 'presentation', 'EUR')).toMatchObject({ count: 3, value: 60000.32 });
  expect(await cell('money', 'presentation', 'BHD')).toMatchObject({ count: 1, value: 1.001 });
  const fields = await raw();
  expect(fields['money|presentation|JPY|minor']).toBe('10000000');
  expect(fields['money|presentation|EUR|minor']).toBe('6000032');
  expect(fields['money|presentation|BHD|minor']).toBe('1001');
});

test('a team name with | and % is encoded in the field and read back whole', async () => {
  await store.write(facts({ id: 'pipe', seq: 1, team: 'a|b%7C', stage: 'closing', escalationLevel: 3, value: 5 }));
  expect(Object.keys(await raw())).toContain('a%7Cb%257C|closing|USD|stalled');
  expect(await cell('a|b%7C', 'closing')).toEqual({
    team: 'a|b%7C',
    stage: 'closing',
    currency: 'USD',
    count: 1,
    value: 5,
    atRisk: 0,
    stalled: 1,
  });
});

test('a lead whose id is an index name does not overwrite the index', async () => {
  for (const id of ['created', 'closed', 'contacted', 'active', 'board']) {
    expect(await store.write(facts({ id, seq: 1, team: 'names' }))).toBe(true);
    expect((await store.get(id))?.id).toBe(id);
  }
  expect(await redis.type(`${prefix}facts:created`)).toBe('zset');
  expect(await redis.type(`${prefix}facts:active`)).toBe('set');
  expect(await cell('names', 'prospecting')).toMatchObject({ count: 5 });
});

describe('bad input is refused with nothing written', () => {
  beforeAll(() => {
    // a store of its own: the snapshots below read every key
    prefix = `test-facts-${crypto.randomBytes(4).toString('hex')}:`;
    store = new FactsStore(redis, prefix);
  });
  const snapshot = async () => {
    const keys = (await redis.keys(`${prefix}*`)).filter((k) => !k.endsWith('#reconcile')).sort();
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const t = await redis.type(k);
      out[k] =
        t === 'hash'
          ? await redis.hgetall(k)
          : t === 'zset'
            ? await redis.zrange(k, '0', '-1', 'WITHSCORES')
            : t === 'set'
              ? (await redis.smembers(k)).sort()
              : await redis.get(k);
    }
    return out;
  };
  const bad: [string, Partial<LeadFacts>][] = [
    ['negative value', { value: -1 }],
    ['NaN value', { value: Number.NaN }],
    ['infinite value', { value: Number.POSITIVE_INFINITY }],
    ['value beyond exact minor units', { value: 1e14 }],
    ['string value', { value: '12' as unknown as number }],
    ['fractional seq', { seq: 1.5 }],
    ['seq 0', { seq: 0 }],
    ['unknown stage', { stage: 'nowhere' as LeadFacts['stage'] }],
    ['lower-case currency', { currency: 'eur' }],
    ['negative escalation level', { escalationLevel: -1 }],
    ['fractional escalation level', { escalationLevel: 2.5 }],
    ['bad createdAt', { createdAt: 'yesterday' }],
    ['bad closedAt', { closedAt: 'never' }],
    ['empty team', { team: '' }],
    ['team too long for a cell', { team: '|'.repeat(130) }],
  ];
  test.each(bad)('%s', async (_name, o) => {
    await store.write(facts({ id: 'victim', seq: 5, team: 'bad', stage: 'approach', value: 7 }));
    const before = await snapshot();
    const { recordLeadFacts } = createFactsActivities({ redis, prefix });
    await expect(recordLeadFacts(facts({ id: 'victim', seq: 6, team: 'bad', ...o }))).rejects.toMatchObject({
      type: 'FactsRefused',
      nonRetryable: true,
    });
    expect(await snapshot()).toEqual(before);
  });

  test('the script itself refuses malformed arguments before its first write', async () => {
    // the script is the last line of defence: call it with what the TypeScript side would never send
    await store.write(facts({ id: 'victim2', seq: 1, team: 'bad', stage: 'approach', value: 7 }));
    const before = await snapshot();
    const badArgs: string[][] = [
      ['2', '{}', 'victim2', '0', 'bad|approach|USD', '-0', '0', '', ''],
      ['2', '{}', 'victim2', '0', 'bad|approach|USD', '1.5', '0', '', ''],
      ['2', '{}', 'victim2', '0', 'bad|approach', '100', '0', '', ''],
      ['2', '{}', 'victim2', '0', 'bad|approach|USD', '100', 'x', '', ''],
      ['2', '{}', 'victim2', 'soon', 'bad|approach|USD', '100', '0', '', ''],
      ['x', '{}', 'victim2', '0', 'bad|approach|USD', '100', '0', '', ''],
      ['2', '{}', 'victim2', '0', '', '100', '0', '', ''],
      ['2', '{}', 'victim2', '0', 'bad|approach|USD', '100', '0', '1e3', ''],
    ];
    // reach the script (a named command, store/redis-scripts.ts, defined by the first write
    // above) through write() with its arguments replaced; its six keys are kept
    const commands = redis as unknown as Record<string, (...a: string[]) => Promise<unknown>>;
    const name = 'df_facts_store_WRITE';
    expect(typeof commands[name]).toBe('function');
    const original = commands[name].bind(redis);
    const spy = jest.spyOn(commands, name);
    for (const args of badArgs) {
      spy.mockImplementationOnce((...keysAndArgs: string[]) => original(...keysAndArgs.slice(0, 6), ...args));
      await expect(store.write(facts({ id: 'victim2', seq: 2, team: 'bad' }))).rejects.toThrow(/^INVALID lead facts/);
    }
    expect(spy).toHaveBeenCalledTimes(badArgs.length);
    spy.mockRestore();
    expect(await snapshot()).toEqual(before);
  });
});
