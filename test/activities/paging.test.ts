/**
 * Keyset paging (README "Paging") against the real Redis from TEST_REDIS_URL, each run on a prefix
 * of its own: walking the task list, an audit log and the campaign list while items are completed
 * and created between requests sees every item that stayed in the list exactly once, in order, and
 * no page is longer than pageSize. Also: ties on the sort key, and cursors the stores did not make.
 */
import crypto from 'node:crypto';
import Redis from 'ioredis';
import fc from 'fast-check';
import { TaskStore } from '../../store/tasks/task-store';
import type { NewTask, Task } from '../../store/tasks/task';
import { VersionedConfig } from '../../store/config/versioned-config';
import { CampaignStore } from '../../store/campaigns/campaign-store';
import { InvalidPageTokenError, encodeZPosition, zsetPageAfter } from '../../store/paging';
import { openPageToken, pageOf, sealPageToken } from '../../client/api/page-token';
import { ValidationError } from '../../store/request-errors';

let redis: Redis;
const BASE = Date.parse('2026-03-02T09:00:00Z');
const freshPrefix = () => `test-paging-${crypto.randomBytes(5).toString('hex')}:`;

beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL!, { maxRetriesPerRequest: 2 });
});
afterAll(async () => {
  await redis.quit();
});

function task(id: string, dueOffsetSeconds: number, assignee = 'carol', team = 'alpha'): NewTask {
  return {
    id,
    leadId: `lead-${id}`,
    assignee,
    team,
    kind: 'research',
    title: `research ${id}`,
    details: '',
    dueAt: new Date(BASE + dueOffsetSeconds * 1000).toISOString(),
    priority: 'normal',
  };
}

/** Between two page requests: complete some open tasks (by index into what is open) and add some. */
const between = fc.record({
  complete: fc.array(fc.nat(), { maxLength: 4 }),
  // few distinct due times, so many tasks tie on the score and order by id
  create: fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 3 }),
});

describe('task list paging (property)', () => {
  const byDue = (a: Task, b: Task) =>
    Date.parse(a.dueAt) - Date.parse(b.dueAt) || Buffer.compare(Buffer.from(a.id), Buffer.from(b.id));

  it('sees every task that stayed open exactly once, in due order, no page longer than pageSize', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(between, { maxLength: 30 }),
        fc.constantFrom<'assignee' | 'team'>('assignee', 'team'),
        async (dues, pageSize, steps, by) => {
          const store = new TaskStore(redis, freshPrefix());
          let n = 0;
          const newId = () => `t-${String(n++).padStart(3, '0')}${n % 3 === 0 ? 'é' : ''}`;
          for (const d of dues) await store.create(task(newId(), d));
          const atStart = new Set((await store.list({ assignee: 'carol', limit: 500 })).items.map((t) => t.id));
          const left = new Set<string>();
          const seen: Task[] = [];
          let cursor: string | undefined;
          let step = 0;
          for (let pages = 0; ; pages++) {
            expect(pages).toBeLessThan(200); // a walk always ends
            const page = await store.list({
              ...(by === 'assignee' ? { assignee: 'carol' } : { team: 'alpha' }),
              status: 'open',
              limit: pageSize,
              cursor,
            });
            expect(page.items.length).toBeLessThanOrEqual(pageSize);
            for (const t of page.items) expect(t.status).toBe('open');
            seen.push(...page.items);
            if (!page.nextPageToken) break;
            cursor = page.nextPageToken;
            const s = steps[step++]; // each step once: a list that grows as fast as it is read never ends
            if (!s) continue;
            const open = (await store.list({ assignee: 'carol', limit: 500 })).items;
            for (const i of s.complete) {
              if (open.length === 0) break;
              const [t] = open.splice(i % open.length, 1);
              await store.complete(t.id, 'carol');
              left.add(t.id);
            }
            for (const d of s.create) await store.create(task(newId(), d));
          }
          const ids = seen.map((t) => t.id);
          expect(new Set(ids).size).toBe(ids.length); // nothing twice
          for (const id of atStart) if (!left.has(id)) expect(ids).toContain(id); // nothing that stayed is skipped
          expect([...seen].sort(byDue).map((t) => t.id)).toEqual(ids); // in due order, ties by id
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the input of the issue: after completing pg-1 and pg-2, the next page is pg-3 and pg-4', async () => {
    const store = new TaskStore(redis, freshPrefix());
    for (let i = 1; i <= 6; i++) await store.create(task(`pg-${i}`, i));
    const first = await store.list({ assignee: 'carol', limit: 2 });
    expect(first.items.map((t) => t.id)).toEqual(['pg-1', 'pg-2']);
    await store.complete('pg-1', 'carol');
    await store.complete('pg-2', 'carol');
    const second = await store.list({ assignee: 'carol', limit: 2, cursor: first.nextPageToken });
    expect(second.items.map((t) => t.id)).toEqual(['pg-3', 'pg-4']);
    const third = await store.list({ assignee: 'carol', limit: 2, cursor: second.nextPageToken });
    expect(third.items.map((t) => t.id)).toEqual(['pg-5', 'pg-6']);
    expect(third.nextPageToken).toBeUndefined();
  });

  it('a filtered listing (done tasks) pages within pageSize and sees each done task once', async () => {
    const store = new TaskStore(redis, freshPrefix());
    for (let i = 0; i < 25; i++) await store.create(task(`d-${String(i).padStart(2, '0')}`, i % 4));
    for (let i = 0; i < 25; i += 2) await store.complete(`d-${String(i).padStart(2, '0')}`, 'carol');
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ assignee: 'carol', status: 'done', limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      for (const t of page.items) expect(t.status).toBe('done');
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextPageToken;
    } while (cursor);
    expect([...seen].sort()).toEqual(Array.from({ length: 13 }, (_, k) => `d-${String(k * 2).padStart(2, '0')}`));
  });
});

describe('audit log paging (property)', () => {
  it('sees every entry that existed at the start exactly once, newest first, while entries are added', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 20 }),
        async (initial, pageSize, writesBetween) => {
          const doc = new VersionedConfig<{ n: number }>(redis, freshPrefix(), 'thresholds', () => ({ n: 0 }));
          const write = () => doc.update('admin', (c) => ({ n: c.n + 1 }));
          for (let i = 0; i < initial; i++) await write();
          const seen: number[] = [];
          let cursor: string | undefined;
          let step = 0;
          for (;;) {
            const page = await doc.historyPage({ limit: pageSize, cursor });
            expect(page.items.length).toBeLessThanOrEqual(pageSize);
            seen.push(...page.items.map((e) => e.version));
            if (!page.nextPageToken) break;
            cursor = page.nextPageToken;
            for (let w = 0; w < (writesBetween[step++] ?? 0); w++) await write();
          }
          // the first page may hold none of the later writes; every entry of the start, once, newest first
          expect(seen).toEqual(Array.from({ length: initial }, (_, k) => initial - k));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a cursor it did not make or one past the log', async () => {
    const doc = new VersionedConfig<{ n: number }>(redis, freshPrefix(), 'roster', () => ({ n: 0 }));
    for (let i = 0; i < 3; i++) await doc.update('admin', (c) => ({ n: c.n + 1 }));
    for (const bad of ['garbage', 'v0', 'v-1', 'v5', 'v99999999', '12', 'v1.5', '']) {
      if (bad === '') continue; // an empty cursor is "from the start" for the store; the API refuses an empty token
      await expect(doc.historyPage({ cursor: bad })).rejects.toBeInstanceOf(InvalidPageTokenError);
    }
    expect((await doc.historyPage({ cursor: 'v4' })).items.map((e) => e.version)).toEqual([3, 2, 1]);
  });
});

describe('campaign list paging (property)', () => {
  it('sees every campaign that existed at the start exactly once while campaigns are created', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 25 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }), { maxLength: 20 }),
        async (created, pageSize, createdBetween) => {
          const store = new CampaignStore(redis, freshPrefix());
          let n = 0;
          const make = (minute: number) => {
            const id = `c-${crypto.randomBytes(3).toString('hex')}-${n++}`;
            return store
              .create(
                {
                  id,
                  name: id,
                  cadence: 'default',
                  state: 'active',
                  createdAt: new Date(BASE + minute * 60_000).toISOString(),
                  createdBy: 'marketing',
                },
                'marketing',
              )
              .then(() => id);
          };
          const atStart: string[] = [];
          for (const m of created) atStart.push(await make(m));
          const seen: string[] = [];
          let cursor: string | undefined;
          let step = 0;
          for (;;) {
            const page = await store.list({ limit: pageSize, cursor });
            expect(page.ids.length).toBeLessThanOrEqual(pageSize);
            seen.push(...page.ids);
            if (!page.nextPageToken) break;
            cursor = page.nextPageToken;
            for (const m of createdBetween[step++] ?? []) await make(m);
          }
          expect(new Set(seen).size).toBe(seen.length);
          for (const id of atStart) expect(seen).toContain(id);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('sorted-set cursors', () => {
  it('orders ties on the score by member bytes, as Redis does, from any cursor', async () => {
    const key = `${freshPrefix()}ties`;
    const members = ['a', 'b', 'ab', 'B', 'é', 'z', 'Z0', 'zz', '~', 'ä'];
    for (const m of members) await redis.zadd(key, '7', m);
    await redis.zadd(key, '3', 'first');
    await redis.zadd(key, '9', 'last');
    const all = await redis.zrange(key, '0', '-1');
    for (let i = 0; i < all.length; i++) {
      const score = Number(await redis.zscore(key, all[i]));
      const rest = await zsetPageAfter(redis, key, { score, member: all[i] }, 100);
      expect(rest.map((p) => p.member)).toEqual(all.slice(i + 1));
    }
    // a cursor on a member that is gone still resumes at the right place
    const rest = await zsetPageAfter(redis, key, { score: 7, member: 'aa' }, 100);
    expect(rest.map((p) => p.member)).toEqual(all.slice(all.indexOf('ab')));
  });

  it('refuses a cursor the store did not make', async () => {
    const store = new TaskStore(redis, freshPrefix());
    const bad = [
      'garbage!',
      Buffer.from('[1]').toString('base64url'),
      Buffer.from('["x","y"]').toString('base64url'),
      Buffer.from('[1e400,"y"]').toString('base64url'),
      encodeZPosition({ score: 1, member: '' }),
    ];
    for (const cursor of bad)
      await expect(store.list({ assignee: 'carol', cursor })).rejects.toBeInstanceOf(InvalidPageTokenError);
  });
});

describe('API page tokens', () => {
  const secret = 'a-signing-secret-for-tests';
  const listA = JSON.stringify(['tasks', 'carol', null, 'open']);
  const listB = JSON.stringify(['tasks', 'carol', null, 'all']);

  it('opens only a token sealed for the same list, unaltered', () => {
    const token = sealPageToken(secret, listA, 'cursor-1')!;
    expect(openPageToken(secret, listA, token)).toBe('cursor-1');
    const problem = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return (e as ValidationError).details.map((d) => d.path);
      }
      throw new Error('accepted');
    };
    expect(problem(() => openPageToken(secret, listB, token))).toEqual(['pageToken']);
    expect(problem(() => openPageToken('another-signing-secret', listA, token))).toEqual(['pageToken']);
    const [part, mac] = token.split('.');
    expect(problem(() => openPageToken(secret, listA, `${part}x.${mac}`))).toEqual(['pageToken']);
    for (const garbage of ['x', 'garbage', '....', `${part}.`, `${part}.${mac}.`, 'a'.repeat(5000)]) {
      expect(problem(() => openPageToken(secret, listA, garbage))).toEqual(['pageToken']);
    }
  });

  it('turns a cursor the store refuses into a 400 for pageToken, and seals the next one', async () => {
    const token = sealPageToken(secret, listA, 'v999')!;
    await expect(
      pageOf(secret, listA, token, async () => Promise.reject(new InvalidPageTokenError('out of range'))),
    ).rejects.toMatchObject({
      details: [{ path: 'pageToken', message: 'out of range' }],
    });
    const page = await pageOf(secret, listA, undefined, async () => ({ items: [1], nextPageToken: 'next' }));
    expect(openPageToken(secret, listA, page.nextPageToken)).toBe('next');
  });
});
