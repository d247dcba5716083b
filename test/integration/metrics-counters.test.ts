/**
 * Counters that cannot drift, on the real stack (Temporal dev server, Redis, SMTP catcher, worker
 * and API in-process):
 * - issue 11's input: a lead created in `presentation` with no value keeps the board exact (it went
 *   −2, −3, −5 … before: the facts script failed on "-0" after taking the count down, and retried);
 * - a lead with no value walks every stage, is lost, its workflow completes and the board is back
 *   to its counts;
 * - `dealflow metrics rebuild` and POST /v1/admin/metrics/rebuild find and repair a store corrupted
 *   on purpose, report the drift and export it as `dealflow_metrics_drift`;
 * - the `dealflow-metrics-reconcile` Schedule runs the same reconcile as a workflow.
 */
import crypto from 'node:crypto';
import { startMailCatcher, type MailCatcher } from '../../devstack/services';
import { main } from '../../cli/main';
import { ensureReconcileSchedule } from '../../client/schedules';
import { FactsStore } from '../../store/metrics/facts-store';
import { KEYS, eventually, startStack, type Stack } from '../support/stack';

jest.setTimeout(240_000);
let mail: MailCatcher;
let stack: Stack;
let store: FactsStore;

const OPEN = ['prospecting', 'preparation', 'approach', 'presentation', 'objections', 'closing'];
const board = async (team: string): Promise<Record<string, number>> => {
  const r = await stack.call('GET', `/v1/pipeline?team=${team}`, KEYS.admin);
  expect(r.status).toBe(200);
  return Object.fromEntries((r.body.stages as { stage: string; count: number }[]).map((s) => [s.stage, s.count]));
};
const boardIs = (team: string, want: Record<string, number>) =>
  eventually(
    async () => {
      const b = await board(team);
      return Object.entries(b).every(([stage, n]) => n === (want[stage] ?? 0)) && b;
    },
    60_000,
    `board of ${team} = ${JSON.stringify(want)}`,
  );
const move = async (id: string, to: string) =>
  expect((await stack.call('POST', `/v1/leads/${id}/stage`, KEYS.admin, { to })).status).toBe(200);
const raw = () => stack.runtime.redis.hgetall(`${stack.config.REDIS_PREFIX}facts:#board`);

beforeAll(async () => {
  mail = await startMailCatcher({});
  stack = await startStack({ config: { SMTP_URL: mail.smtpUrl } });
  store = new FactsStore(stack.runtime.redis, stack.config.REDIS_PREFIX);
});
afterAll(async () => {
  await stack?.stop();
  await mail?.stop();
});

test('issue 11: a lead created in presentation with no value keeps the board exact, never negative', async () => {
  const r = await stack.call('POST', '/v1/leads', KEYS.admin, {
    id: 'zero-1',
    email: 'zero.one@example.org',
    name: 'Zero One',
    team: 'beta',
    owner: 'carol',
    stage: 'presentation',
  });
  expect(r.status).toBe(201);
  await boardIs('beta', { presentation: 1 });
  // more facts writes: each one used to take one more off the count
  await move('zero-1', 'objections');
  expect(
    (await stack.call('POST', '/v1/leads/zero-1/activities', KEYS.admin, { type: 'call', note: 'left a message' }))
      .status,
  ).toBe(200);
  await boardIs('beta', { objections: 1 });
  for (let i = 0; i < 10; i++) {
    const b = await board('beta');
    expect(b).toMatchObject({ presentation: 0, objections: 1 });
    expect(Object.values(await raw()).every((v) => Number(v) >= 0)).toBe(true);
    await new Promise((res) => setTimeout(res, 200));
  }
  const metrics = await stack.call('GET', '/metrics');
  expect(metrics.body).toMatch(/dealflow_leads\{team="beta",stage="objections"\} 1\n/);
  expect(metrics.body).not.toMatch(/dealflow_leads\{[^}]*\} -/);
  const lead = (await stack.call('GET', '/v1/leads/zero-1', KEYS.admin)).body;
  expect(lead.history.filter((h: { type: string }) => h.type === 'automation_failed')).toEqual([]);
});

test('a lead with no value walks every stage, is lost, its workflow completes and the board is back to its counts', async () => {
  const before = await board('beta');
  expect(
    (
      await stack.call('POST', '/v1/leads', KEYS.admin, {
        id: 'walker',
        email: 'walker@example.org',
        name: 'Walker',
        team: 'beta',
        owner: 'carol',
      })
    ).status,
  ).toBe(201);
  await boardIs('beta', { ...before, prospecting: before.prospecting + 1 });
  for (const to of OPEN.slice(1)) {
    await move('walker', to);
    await boardIs('beta', { ...before, [to]: before[to] + 1 });
  }
  expect((await stack.call('POST', '/v1/leads/walker/lost', KEYS.admin, { reason: 'went quiet' })).status).toBe(200);
  const summary = await stack.runtime.client.workflow.getHandle('lead-walker').result();
  expect(summary).toMatchObject({ status: 'lost', stage: 'closing' });
  await boardIs('beta', before);
  expect(await store.get('walker')).toMatchObject({ status: 'lost', value: 0 });
});

/** Runs the CLI with the stack's configuration in the environment; returns the exit code and output. */
async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const env = {
    TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
    REDIS_URL: process.env.TEST_REDIS_URL,
    REDIS_PREFIX: stack.config.REDIS_PREFIX,
    TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
    LOG_LEVEL: 'warn',
  };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const code = await main(args);
    return { code, out: lines.join('\n') };
  } finally {
    log.mockRestore();
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

test('dealflow metrics rebuild repairs a store corrupted on purpose and reports the drift', async () => {
  const expected = await raw();
  const p = stack.config.REDIS_PREFIX;
  const r = stack.runtime.redis;
  // the kinds of damage the old script left: counts taken down repeatedly, flags never taken off,
  // a cell of nobody's, and a lead's own share and index entries lost
  await r.hincrby(`${p}facts:#board`, 'beta|objections|USD|count', -5);
  await r.hset(`${p}facts:#board`, 'beta|closing|USD|stalled', '11', 'ghost|approach|USD|count', '3');
  await r.hset(`${p}facts:zero-1`, 'cell', '', 'minor', '0', 'level', '0');
  await r.srem(`${p}facts:active`, 'zero-1');
  expect((await board('beta')).objections).toBe(-4);

  const dry = await cli(['metrics', 'rebuild', '--dry-run', '--json']);
  expect(dry.code).toBe(1);
  const report = JSON.parse(dry.out);
  expect(report.repaired).toBe(false);
  expect(report.drift).toEqual(
    expect.arrayContaining([
      { field: 'zero-1:share', expected: 'beta|objections|USD/0/0', stored: '/0/0' },
      { field: 'zero-1:active', expected: '1', stored: '0' },
      { field: 'beta|objections|USD|count', expected: '0', stored: '-4' }, // against the (emptied) stored shares
      { field: 'beta|closing|USD|stalled', expected: '0', stored: '11' },
      { field: 'ghost|approach|USD|count', expected: '0', stored: '3' },
    ]),
  );
  expect(await raw()).not.toEqual(expected); // a dry run changes nothing
  expect((await stack.call('GET', '/metrics')).body).toMatch(/dealflow_metrics_drift\{field="stalled"\} 11\n/);

  const fix = await cli(['metrics', 'rebuild']);
  expect(fix.code).toBe(1);
  expect(fix.out).toMatch(/difference\(s\), repaired/);
  expect(fix.out).toMatch(/beta\|closing\|USD\|stalled\s+0\s+11/);
  expect(await raw()).toEqual(expected);
  expect(await board('beta')).toMatchObject({ objections: 1, closing: 0 });
  expect((await stack.runtime.redis.smembers(`${p}facts:active`)).sort()).toContain('zero-1');

  const again = await cli(['metrics', 'rebuild']);
  expect(again.code).toBe(0);
  expect(again.out).toMatch(/0 difference\(s\)/);
  expect((await stack.call('GET', '/metrics')).body).toMatch(/dealflow_metrics_drift\{field="count"\} 0\n/);
});

test('POST /v1/admin/metrics/rebuild: admin only, strict query, the same report; open leads without facts are counted from visibility', async () => {
  expect((await stack.call('POST', '/v1/admin/metrics/rebuild', KEYS.managerBeta)).status).toBe(403);
  expect((await stack.call('POST', '/v1/admin/metrics/rebuild', KEYS.marketing)).status).toBe(403);
  expect((await stack.call('POST', '/v1/admin/metrics/rebuild')).status).toBe(401);
  const bad = await stack.call('POST', '/v1/admin/metrics/rebuild?dryRun=maybe', KEYS.admin);
  expect(bad.status).toBe(400);
  expect((await stack.call('POST', '/v1/admin/metrics/rebuild?team=beta', KEYS.admin)).status).toBe(400);

  // a running lead whose facts were never written (a history from before facts were kept)
  const p = stack.config.REDIS_PREFIX;
  await stack.runtime.redis.hincrby(`${p}facts:#board`, 'beta|objections|USD|count', -1);
  await stack.runtime.redis.del(`${p}facts:zero-1`);
  await stack.runtime.redis.zrem(`${p}facts:created`, 'zero-1');
  await stack.runtime.redis.srem(`${p}facts:active`, 'zero-1');
  const res = await eventually(
    async () => {
      const r = await stack.call('POST', '/v1/admin/metrics/rebuild?dryRun=true', KEYS.admin);
      return r.status === 200 && r.body.withoutFacts.count === 1 && r.body;
    },
    30_000,
    'zero-1 reported without facts',
  );
  expect(res).toMatchObject({ repaired: false, driftCount: 0, withoutFacts: { count: 1, ids: ['zero-1'] } });
  expect(res.withoutFacts.board).toEqual([
    { team: 'beta', stage: 'objections', currency: 'USD', count: 1, value: 0, atRisk: 0, stalled: 0 },
  ]);
});

test('a closed lead whose last facts write was given up is found still on the board and rewritten from its archive', async () => {
  const before = await board('beta');
  // walker was lost and completed; make its stored facts the open snapshot a given-up final write leaves
  const f = (await store.get('walker'))!;
  expect(await store.write({ ...f, seq: f.seq + 1, status: 'open', closedAt: null })).toBe(true);
  expect((await board('beta')).closing).toBe(before.closing + 1);

  // visibility is eventually consistent: walker closed a moment ago
  const dry = await eventually(
    async () => {
      const r = await stack.call('POST', '/v1/admin/metrics/rebuild?dryRun=true', KEYS.admin);
      return r.body.staleFacts?.count === 1 && r;
    },
    30_000,
    'walker seen as closed',
  );
  expect(dry.body.staleFacts).toEqual({ count: 1, ids: ['walker'], repaired: 0 });
  expect(dry.body.driftCount).toBe(0); // the counters agree with the (stale) facts: only visibility shows it
  const fixed = await stack.call('POST', '/v1/admin/metrics/rebuild', KEYS.admin);
  expect(fixed.body.staleFacts).toEqual({ count: 1, ids: ['walker'], repaired: 1 });
  expect(await store.get('walker')).toMatchObject({ status: 'lost', seq: f.seq + 2 });
  expect(await board('beta')).toEqual(before);
  expect((await stack.call('GET', '/metrics')).body).toMatch(/dealflow_metrics_drift\{field="stale_facts"\} 1\n/);
});

test('the dealflow-metrics-reconcile Schedule runs the reconcile as a workflow, and ensuring it twice is harmless', async () => {
  const p = stack.config.REDIS_PREFIX;
  await stack.runtime.redis.hset(`${p}facts:#board`, 'beta|closing|USD|atRisk', '7');
  const scheduleId = `test-reconcile-${crypto.randomBytes(4).toString('hex')}`;
  const handle = await ensureReconcileSchedule(stack.runtime.client, {
    taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
    scheduleId,
  });
  try {
    await ensureReconcileSchedule(stack.runtime.client, { taskQueue: stack.config.TEMPORAL_TASK_QUEUE, scheduleId });
    // created with an immediate run: it repairs the flag and keeps its report for the gauge
    await eventually(
      async () => (await raw())['beta|closing|USD|atRisk'] === undefined,
      60_000,
      'the scheduled reconcile',
    );
    const last = await store.lastReconcile();
    expect(last).toMatchObject({ repaired: true });
    expect(last!.drift).toEqual(
      expect.arrayContaining([{ field: 'beta|closing|USD|atRisk', expected: '0', stored: '7' }]),
    );
    const d = await handle.describe();
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'metricsReconcileWorkflow' });
    expect(d.info.recentActions.length).toBe(1); // the second ensure neither re-created nor re-ran it
  } finally {
    await handle.delete();
  }
});
