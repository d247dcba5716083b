/**
 * Cancelling tasks in the real Redis store: one `task.cancelled` event however often it is asked,
 * race-free against a concurrent complete in both orders (whichever script runs first wins, the other
 * no-ops), cancelled tasks listable with status=cancelled, claims that only take a task still in the
 * queue, and the scripts refusing bad input before any write.
 */
import crypto from 'node:crypto';
import Redis from 'ioredis';
import pino from 'pino';
import { loadConfig } from '../../../config/env';
import { loadRoster, RosterIndex } from '../../../config/roster';
import { TaskStore } from '../../../store/tasks/task-store';
import { createTaskActivities } from '../../../activities/tasks/task.activities';
import type { ActivityDeps } from '../../../activities/deps';
import type { NewTask } from '../../../store/tasks/task';

const prefix = `test-task-cancel-${crypto.randomBytes(4).toString('hex')}:`;
let redis: Redis;
let store: TaskStore;
let acts: ReturnType<typeof createTaskActivities>;

beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL!, { maxRetriesPerRequest: 2 });
  store = new TaskStore(redis, prefix);
  const roster = new RosterIndex(loadRoster('config/roster.demo.json'));
  const deps: ActivityDeps = {
    redis,
    tasks: store,
    log: pino({ level: 'silent' }),
    prefix,
    roster: () => roster,
    namespace: 'default',
    config: loadConfig({ REDIS_URL: process.env.TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' }),
  };
  acts = createTaskActivities(deps);
});
afterAll(() => redis.disconnect());

let n = 0;
async function task(over: Partial<NewTask> = {}): Promise<string> {
  const id = `lead-${++n}.2.closing`;
  await store.create({
    id,
    leadId: `lead-${n}`,
    assignee: 'alice',
    team: 'alpha',
    kind: 'closing',
    title: 'Close the deal',
    details: '',
    dueAt: new Date(Date.now() + 86_400_000).toISOString(),
    priority: 'high',
    ...over,
  });
  return id;
}
/** the stream events of one task, as [type, reason] */
async function events(id: string): Promise<[string, string | undefined][]> {
  const all = (await redis.xrange(`${prefix}tasks`, '-', '+')) as [string, string[]][];
  return all
    .map(
      ([, f]) => Object.fromEntries(f.flatMap((_, i) => (i % 2 ? [] : [[f[i], f[i + 1]]]))) as Record<string, string>,
    )
    .filter((f) => f.taskId === id && f.type !== 'task.created')
    .map((f) => [f.type, f.reason]);
}
const openOf = (assignee: string) => redis.zrange(`${prefix}tasks:open:${assignee}`, '0', '-1');

test('cancel first: the task is cancelled with why, once; a later complete is refused (status cancelled, no event)', async () => {
  const id = await task();
  const first = await store.cancel(id, 'system', new Date(), 'the deal was won');
  expect(first.changed).toBe(true);
  expect(first.task).toMatchObject({ status: 'cancelled', cancelledBy: 'system', cancelReason: 'the deal was won' });
  expect((await store.cancel(id, 'system', new Date(), 'again')).changed).toBe(false);
  const late = await store.complete(id, 'alice');
  expect(late).toMatchObject({ changed: false, task: { status: 'cancelled' } });
  expect(late.task.completedAt).toBeUndefined();
  expect(await events(id)).toEqual([['task.cancelled', 'the deal was won']]);
  expect(await openOf('alice')).not.toContain(id);
  // listable with status=cancelled, gone from the open list
  expect((await store.list({ assignee: 'alice', status: 'cancelled' })).items.map((t) => t.id)).toContain(id);
  expect((await store.list({ assignee: 'alice', status: 'open' })).items.map((t) => t.id)).not.toContain(id);
});

test('complete first: the task is done; a later cancel no-ops and emits nothing', async () => {
  const id = await task();
  expect((await store.complete(id, 'alice')).changed).toBe(true);
  const late = await store.cancel(id, 'system', new Date(), 'the deal was won');
  expect(late).toMatchObject({ changed: false, task: { status: 'done', completedBy: 'alice' } });
  expect(late.task.cancelReason).toBeUndefined();
  expect(await events(id)).toEqual([['task.completed', undefined]]);
});

test('a complete and a cancel sent at the same moment: exactly one takes effect, with exactly one event', async () => {
  for (let i = 0; i < 30; i++) {
    const id = await task();
    const [done, cancelled] = await Promise.all([
      store.complete(id, 'alice'),
      store.cancel(id, 'system', new Date(), 'raced'),
    ]);
    expect(Number(done.changed) + Number(cancelled.changed)).toBe(1);
    const final = (await store.get(id))!.status;
    expect(final).toBe(done.changed ? 'done' : 'cancelled');
    expect(await events(id)).toEqual([done.changed ? ['task.completed', undefined] : ['task.cancelled', 'raced']]);
  }
});

test("the cancelTasks activity is idempotent: a retry answers the same and adds no second event; other leads' tasks are not touched", async () => {
  const a = await task();
  const leadId = a.split('.')[0];
  const b = await task({ leadId });
  const other = await task();
  await store.complete(b, 'alice');
  const ask = {
    leadId,
    actor: 'system',
    tasks: [
      { id: a, reason: 'the lead moved on to closing' },
      { id: b, reason: 'x' },
      { id: other, reason: 'x' },
      { id: 'nope', reason: 'x' },
    ],
  };
  const first = await acts.cancelTasks(ask);
  const retry = await acts.cancelTasks(ask);
  const want = [
    { id: a, status: 'cancelled' },
    { id: b, status: 'done' },
    { id: other, status: 'missing' },
    { id: 'nope', status: 'missing' },
  ];
  expect(first).toEqual(want);
  expect(retry).toEqual(want);
  expect(await events(a)).toEqual([['task.cancelled', 'the lead moved on to closing']]);
  expect((await store.get(other))!.status).toBe('open');
  await expect(acts.cancelTasks({ leadId, actor: 'system', tasks: [{ id: '', reason: 'x' }] })).rejects.toThrow(
    /needs an id/,
  );
});

test("a claim takes a task only while it is in the queue: of two racing claims one wins; a later cancel clears the claimer's open list", async () => {
  const id = await task({ assignee: 'queue:alpha' });
  const [bob, carol] = await Promise.all([
    store.reassign(id, 'bob', 'bob', new Date(), 'queue:alpha'),
    store.reassign(id, 'carol', 'carol', new Date(), 'queue:alpha'),
  ]);
  expect([bob, carol].filter(Boolean)).toHaveLength(1);
  const winner = bob ? 'bob' : 'carol';
  expect((await store.get(id))!.assignee).toBe(winner);
  expect(await openOf(winner)).toContain(id);
  expect(await openOf('queue:alpha')).not.toContain(id);
  // the open list of the assignee as it is now is cleared (not the one it had when it was made)
  await store.cancel(id, 'system', new Date(), 'the deal was won');
  expect(await openOf(winner)).not.toContain(id);
});

test('the scripts refuse bad input before any write', async () => {
  const id = await task();
  const finish = (store as unknown as { finish: (...a: unknown[]) => Promise<unknown> }).finish.bind(store);
  await expect(finish(id, 'exploded', 'system', new Date())).rejects.toThrow(
    /^INVALID task change: status done\|cancelled/,
  );
  await expect(finish(id, 'cancelled', '', new Date())).rejects.toThrow(/actor, id, maxlen and prefix are required/);
  await expect(store.reassign(id, '', 'x')).rejects.toThrow(/^INVALID task reassignment: to, at/);
  expect((await store.get(id))!).toMatchObject({ status: 'open', assignee: 'alice' });
  expect(await events(id)).toEqual([]);
});
