/**
 * Every Redis script checks all its inputs before its first write (Redis keeps what a failing
 * script already wrote): bad input is refused and nothing is written, on the real Redis.
 */
import crypto from 'node:crypto';
import Redis from 'ioredis';
import { TaskStore } from '../../store/tasks/task-store';
import { VersionedConfig } from '../../store/config/versioned-config';
import { createDuplicateRegistry } from '../../store/enrichment/duplicates';
import { SendRateLimiter } from '../../store/email/mailer';

let redis: Redis;
let prefix: string;
beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL!, { maxRetriesPerRequest: 2 });
});
beforeEach(() => {
  prefix = `test-lua-${crypto.randomBytes(4).toString('hex')}:`;
});
afterAll(() => redis.disconnect());

/** Every key under the prefix with its content. */
async function snapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const k of (await redis.keys(`${prefix}*`)).sort()) {
    const t = await redis.type(k);
    out[k] =
      t === 'string'
        ? await redis.get(k)
        : t === 'zset'
          ? await redis.zrange(k, '0', '-1', 'WITHSCORES')
          : t === 'list'
            ? await redis.lrange(k, 0, -1)
            : t === 'stream'
              ? await redis.xlen(k)
              : t;
  }
  return out;
}

const task = (o: Record<string, unknown> = {}) => ({
  id: 't1',
  kind: 'research',
  leadId: 'l1',
  team: 'alpha',
  assignee: 'alice',
  title: 'Research',
  details: '',
  dueAt: '2026-03-01T10:00:00.000Z',
  priority: 'normal' as const,
  ...o,
});

test('a task with a due time that does not parse is refused before anything is written (it used to be stored unindexed for good)', async () => {
  const tasks = new TaskStore(redis, prefix);
  await expect(tasks.create(task({ dueAt: 'tomorrow' }))).rejects.toMatchObject({ name: 'InvalidInputError' });
  expect(await snapshot()).toEqual({});
  const created = await tasks.create(task());
  expect(created.created).toBe(true);
  expect((await tasks.list({ assignee: 'alice' })).items.map((t) => t.id)).toEqual(['t1']);
});

test('finishing or reassigning a task with bad arguments changes nothing', async () => {
  const tasks = new TaskStore(redis, prefix, Number.NaN); // a stream length that is not a number
  const good = new TaskStore(redis, prefix);
  await good.create(task());
  const before = await snapshot();
  await expect(tasks.complete('t1', 'alice')).rejects.toMatchObject({
    name: 'InvalidInputError',
    message: expect.stringMatching(/^INVALID task change/),
  });
  await expect(tasks.reassign('t1', 'bob', 'alice')).rejects.toMatchObject({
    name: 'InvalidInputError',
    message: expect.stringMatching(/^INVALID task reassignment/),
  });
  expect(await snapshot()).toEqual(before);
  expect((await good.complete('t1', 'alice')).changed).toBe(true);
});

test('a config update whose audit list is unusable is refused before the document changes', async () => {
  const cfg = new VersionedConfig<{ a: number }>(redis, prefix, 'thing', () => ({ a: 0 }));
  await cfg.update('admin', () => ({ a: 1 }));
  await redis.del(`${cfg.key}:history`);
  await redis.set(`${cfg.key}:history`, 'not a list');
  const before = await snapshot();
  await expect(cfg.update('admin', () => ({ a: 2 }))).rejects.toThrow(/^INVALID config history key/);
  expect(await snapshot()).toEqual(before);
  expect((await cfg.get()).a).toBe(1);
});

test('address claims and the send-rate slot refuse empty or malformed arguments', async () => {
  const reg = createDuplicateRegistry(redis, prefix);
  await expect(reg.claimEmail('a@example.org', '')).rejects.toThrow(/^INVALID claim/);
  expect(await snapshot()).toEqual({});
  const limiter = new SendRateLimiter(redis, `${prefix}rate`, 10, Number.NaN);
  await expect(limiter.acquire()).rejects.toThrow(/^INVALID send rate/);
  expect(await snapshot()).toEqual({});
});
