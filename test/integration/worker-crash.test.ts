/**
 * Crash safety: SIGKILL the worker process while leads are mid-flight and start a new one. Every
 * lead carries on to where it was sent, no task is duplicated (in the store or on the stream), and
 * nothing is lost from any lead's history.
 */
import { startStack, eventually, type Stack } from '../support/stack';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(300_000);

let stack: Stack;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  for (const w of workers) await w.kill('SIGKILL');
  await stack?.stop();
});

const N = 24;
const PATH = ['preparation', 'presentation', 'objections', 'closing'] as const;
const KINDS = ['research', 'demo', 'objection', 'closing'];

test('a worker killed mid-flight loses nothing and duplicates no task', async () => {
  workers.push(await spawnWorker(stack.config));
  const { leads, tasks, redis } = stack.runtime;
  const ids = Array.from({ length: N }, (_, i) => `crash-${i}`);
  for (const id of ids)
    await leads.create({ id, email: `${id}@example.com`, owner: i(id) % 2 ? 'alice' : 'bob' }, 'test');

  // drive every lead through four stages concurrently; kill the worker part-way through
  let moves = 0;
  const drive = ids.map(async (id) => {
    for (const to of PATH) {
      // a real client retries a call that failed because no worker answered in time
      for (let attempt = 0; ; attempt++) {
        try {
          await leads.move(id, to, 'alice', `to ${to}`);
          break;
        } catch (e) {
          const s = await leads.get(id).catch(() => undefined);
          if (s?.stage === to) break; // it went through before the crash
          if (attempt > 20) throw e;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      moves++;
    }
  });
  await eventually(async () => moves >= N, 120_000, 'a quarter of the moves');
  await workers[0].kill('SIGKILL');
  const killedAt = moves;
  await new Promise((r) => setTimeout(r, 1500));
  workers.push(await spawnWorker(stack.config));
  await Promise.all(drive);
  expect(killedAt).toBeLessThan(N * PATH.length); // the kill really happened mid-flight

  for (const id of ids) {
    let last: unknown;
    const s = await eventually(
      async () => {
        const st = await leads.get(id);
        last = st;
        return st.stage === 'closing' && st.tasks.length === 4 ? st : undefined;
      },
      60_000,
      `lead ${id} to reach closing with its tasks`,
    ).catch((e) => {
      console.log(JSON.stringify(last, null, 1));
      throw e;
    });
    expect(s.history.filter((h) => h.type === 'stage_changed').map((h) => h.to)).toEqual([...PATH]);
    expect(s.tasks.map((t) => t.kind).sort()).toEqual([...KINDS].sort());
    const stored = await tasks.forLead(id);
    expect(stored.map((t) => t.kind).sort()).toEqual([...KINDS].sort());
  }

  // each task once on the stream too
  const events = await redis.xrange(stack.runtime.tasks.streamKey, '-', '+');
  const created = events
    .filter(([, f]) => f[f.indexOf('type') + 1] === 'task.created')
    .map(([, f]) => f[f.indexOf('taskId') + 1]);
  expect(created).toHaveLength(N * KINDS.length);
  expect(new Set(created).size).toBe(created.length);
});

function i(id: string): number {
  return Number(id.split('-')[1]);
}
