/**
 * The facts store on a real Redis: a snapshot is stored only if its seq is newer (retries, replays
 * and late writes never make a lead go back), and the board counters follow the lead's latest
 * snapshot exactly (moves, escalation, win, loss).
 */
import crypto from 'node:crypto';
import Redis from 'ioredis';
import { FactsStore } from '../../../activities/metrics/facts-store';
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
  team: 'alpha', owner: 'alice', source: null, industry: 'unknown', size: 'unknown', campaign: null, value: 100.1, currency: 'USD',
  stage: 'prospecting', status: 'open', escalationLevel: 0, createdAt: '2026-02-01T10:00:00.000Z', closedAt: null, completedAt: null,
  wonAmount: null, firstEmailAt: null, emailsSent: 0, visits: [], ...o,
});
const cell = async (team: string, stage: string) => (await store.board()).find((c) => c.team === team && c.stage === stage);

test('a write with an older or equal seq is ignored; the board follows the latest snapshot', async () => {
  const { recordLeadFacts } = createFactsActivities({ redis, prefix });
  expect(await recordLeadFacts(facts({ id: 'a', seq: 1 }))).toBe(true);
  expect(await recordLeadFacts(facts({ id: 'a', seq: 3, stage: 'approach', escalationLevel: 2 }))).toBe(true);
  // a late retry of seq 2 and a replayed seq 3 change nothing
  expect(await recordLeadFacts(facts({ id: 'a', seq: 2, stage: 'closing' }))).toBe(false);
  expect(await recordLeadFacts(facts({ id: 'a', seq: 3, stage: 'closing' }))).toBe(false);
  expect((await store.get('a'))?.stage).toBe('approach');
  expect(await cell('alpha', 'prospecting')).toMatchObject({ count: 0, value: 0 });
  expect(await cell('alpha', 'approach')).toEqual({ team: 'alpha', stage: 'approach', count: 1, value: 100.1, atRisk: 1, stalled: 0 });

  await store.write(facts({ id: 'b', seq: 1, stage: 'approach', escalationLevel: 3, value: 50 }));
  expect(await cell('alpha', 'approach')).toMatchObject({ count: 2, value: 150.1, atRisk: 1, stalled: 1 });
  // b is won: it leaves approach for follow_up and is indexed as closed; a is lost and leaves the board
  await store.write(facts({ id: 'b', seq: 2, stage: 'follow_up', status: 'won', value: 60, wonAmount: 60, closedAt: '2026-02-03T00:00:00.000Z' }));
  await store.write(facts({ id: 'a', seq: 4, stage: 'approach', status: 'lost', closedAt: '2026-02-04T00:00:00.000Z' }));
  expect(await cell('alpha', 'approach')).toMatchObject({ count: 0, value: 0, atRisk: 0, stalled: 0 });
  expect(await cell('alpha', 'follow_up')).toMatchObject({ count: 1, value: 60 });
  expect((await store.active()).map((f) => f.id)).toEqual(['b']);
  const closed = await store.closedIn(Date.parse('2026-02-03T00:00:00Z'), Date.parse('2026-02-04T00:00:00Z'));
  expect(closed.map((f) => f.id)).toEqual(['b']); // [from, to): a closed exactly at `to` is not in it
  expect((await store.createdIn(0, Date.parse('2027-01-01T00:00:00Z'))).map((f) => f.id).sort()).toEqual(['a', 'b']);
});

test('many() reads in pipelined chunks and leaves out unknown ids', async () => {
  const ids = Array.from({ length: 1203 }, (_, i) => `m${i}`);
  await Promise.all(ids.map((id) => store.write(facts({ id, seq: 1, team: 'bulk', createdAt: '2025-01-01T00:00:00.000Z' }))));
  const got = await store.many([...ids, 'nobody']);
  expect(got).toHaveLength(1203);
  expect(await cell('bulk', 'prospecting')).toMatchObject({ count: 1203, value: 120420.3 });
});
