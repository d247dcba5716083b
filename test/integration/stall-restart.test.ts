/**
 * The escalation ladder survives a worker restart in the middle of a stall: thresholds set through
 * the CLI, the worker SIGKILLed after level 1 and kept down past level 2's time; the new worker
 * resumes where the ladder was — level 2 and 3 fire once each, no level repeats, no task doubles.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startStack, eventually, type Stack } from '../support/stack';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(240_000);
const run = promisify(execFile);
let stack: Stack;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  for (const w of workers) await w.kill('SIGKILL');
  await stack?.stop();
});

function cli(...args: string[]) {
  const c = stack.config;
  return run(process.execPath, [path.resolve(__dirname, '../../bin/dealflow.js'), ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: c.TEMPORAL_ADDRESS,
      REDIS_URL: c.REDIS_URL,
      REDIS_PREFIX: c.REDIS_PREFIX,
      TEMPORAL_TASK_QUEUE: c.TEMPORAL_TASK_QUEUE,
      LOG_LEVEL: 'warn',
    },
  });
}

test('a restarted worker resumes the ladder where it was, no level repeated', async () => {
  const set = await cli('thresholds', 'set', '--team', 'alpha', 'approach=4s', '--as', 'mia');
  expect(set.stdout).toMatch(/thresholds v1 saved/);
  const bad = await cli('thresholds', 'set', 'approach=0s').catch((e) => e);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/global\.approach: must be longer than zero/);
  const shown = await cli('thresholds', 'get');
  expect(shown.stdout).toMatch(/thresholds v1 \(by mia/);
  expect(shown.stdout).toMatch(/approach\s+7d\s+4s/);

  workers.push(await spawnWorker(stack.config));
  const { leads, tasks } = stack.runtime;
  await leads.create({ id: 'restart-stall', email: 'rs@example.com', owner: 'alice', stage: 'approach' }, 'mia');
  const t0 = Date.parse(
    (
      await eventually(async () =>
        (await leads.get('restart-stall')).thresholds ? leads.get('restart-stall') : undefined,
      )
    ).lastActivityAt,
  );

  await eventually(async () => (await leads.get('restart-stall')).escalation.level === 1, 30_000, 'level 1');
  await workers[0].kill('SIGKILL');
  // stay down past level 2's time (8 s after the last activity)
  await new Promise((r) => setTimeout(r, Math.max(t0 + 9_000 - Date.now(), 0)));
  workers.push(await spawnWorker(stack.config));

  const s = await eventually(
    async () => {
      const st = await leads.get('restart-stall');
      return st.escalation.level === 3 ? st : undefined;
    },
    60_000,
    'level 3 after the restart',
  );
  const levels = s.history.filter((e) => e.type === 'escalation').map((e) => e.data?.level);
  expect(levels).toEqual([1, 2, 3]);
  const at = s.history.filter((e) => e.type === 'escalation').map((e) => Date.parse(e.at) - t0);
  expect(at[0]).toBeGreaterThanOrEqual(4_000);
  expect(at[1]).toBeGreaterThanOrEqual(8_000); // fired after the restart, not before its time
  expect(at[2]).toBeGreaterThanOrEqual(12_000);
  const made = (await tasks.forLead('restart-stall')).map((t) => t.kind).sort();
  expect(made).toEqual(['escalation', 'stall']);
  await new Promise((r) => setTimeout(r, 3000));
  expect((await leads.get('restart-stall')).history.filter((e) => e.type === 'escalation')).toHaveLength(3);
});
