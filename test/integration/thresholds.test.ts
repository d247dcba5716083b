/**
 * Stall thresholds over HTTP on the real dev server and Redis: roles, validation with field paths,
 * versions and the audit log, and a live change reaching a running lead without restarting it.
 */
import { KEYS, eventually, startStack, type Stack } from '../support/stack';

jest.setTimeout(180_000);
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

test('GET answers the defaults at version 0; reps and marketing may not read or write', async () => {
  const got = await stack.call('GET', '/v1/config/thresholds', KEYS.managerAlpha);
  expect(got.status).toBe(200);
  expect(got.body).toMatchObject({
    version: 0,
    global: { prospecting: '3d', approach: '7d', closing: '7d' },
    teams: {},
    escalation: { multipliers: [1, 2, 3], autoReassign: false },
  });
  expect((await stack.call('GET', '/v1/config/thresholds', KEYS.alice)).status).toBe(403);
  expect(
    (await stack.call('PUT', '/v1/config/thresholds', KEYS.alice, { teams: { alpha: { approach: '1d' } } })).status,
  ).toBe(403);
  expect(
    (await stack.call('PUT', '/v1/config/thresholds', KEYS.marketing, { global: { approach: '1d' } })).status,
  ).toBe(403);
});

test("a manager may change only their own team's thresholds", async () => {
  expect(
    (await stack.call('PUT', '/v1/config/thresholds', KEYS.managerBeta, { teams: { alpha: { approach: '1d' } } }))
      .status,
  ).toBe(403);
  expect(
    (await stack.call('PUT', '/v1/config/thresholds', KEYS.managerAlpha, { global: { approach: '1d' } })).status,
  ).toBe(403);
  const ok = await stack.call('PUT', '/v1/config/thresholds', KEYS.managerAlpha, {
    teams: { alpha: { approach: '5d' } },
  });
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({
    version: 1,
    updatedBy: 'mia',
    teams: { alpha: { approach: '5d' } },
    global: { approach: '7d' },
  });
});

test('bad values are a 400 naming the field, and change nothing', async () => {
  const before = (await stack.call('GET', '/v1/config/thresholds', KEYS.admin)).body.version;
  const cases: [unknown, string][] = [
    [{ global: { negotiation: '1d' } }, 'global.negotiation'],
    [{ global: { approach: '0s' } }, 'global.approach'],
    [{ global: { approach: '-3d' } }, 'global.approach'],
    [{ teams: { alpha: { closing: 'soon' } } }, 'teams.alpha.closing'],
    [{ global: { approach: '100000000d' } }, 'global.approach'], // past the 3650d maximum
    [{ teams: { alpha: { closing: '3651d' } } }, 'teams.alpha.closing'],
    [{ escalation: { multipliers: [1, 0, 3] } }, 'escalation.multipliers.1'],
    [{ escalation: { autoReassign: 'yes' } }, 'escalation.autoReassign'],
    [{ colour: 'red' }, 'colour'],
  ];
  for (const [body, path] of cases) {
    const res = await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, body);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  }
  expect((await stack.call('GET', '/v1/config/thresholds', KEYS.admin)).body.version).toBe(before);
});

test('every change is versioned and audited: who, when, old, new', async () => {
  await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, {
    global: { closing: '10d' },
    escalation: { autoReassign: true },
  });
  const hist = await stack.call('GET', '/v1/config/thresholds/history', KEYS.managerAlpha);
  expect(hist.status).toBe(200);
  const [latest] = hist.body.items;
  expect(latest).toMatchObject({
    by: 'admin',
    old: { global: { closing: '7d' }, escalation: { autoReassign: false } },
    new: { global: { closing: '10d' }, escalation: { autoReassign: true } },
  });
  expect(Number.isNaN(Date.parse(latest.at))).toBe(false);
  expect(hist.body.items.map((i: { version: number }) => i.version)).toEqual(
    [...hist.body.items.map((i: { version: number }) => i.version)].sort((a, b) => b - a),
  );
  expect((await stack.call('GET', '/v1/config/thresholds/history', KEYS.bob)).status).toBe(403);
});

test('a shorter threshold reaches a running lead within 60 seconds, without restarting it', async () => {
  await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, { escalation: { autoReassign: false } });
  const created = await stack.call('POST', '/v1/leads', KEYS.managerAlpha, {
    id: 'live-change',
    email: 'live@example.com',
    owner: 'alice',
    stage: 'approach',
  });
  expect(created.status).toBe(201);
  const h = stack.runtime.leads.handle('live-change');
  const runId = (await h.describe()).runId;
  const s0 = await eventually(async () => {
    const s = await stack.runtime.leads.get('live-change');
    return s.thresholds && s.escalation.nextAt ? s : undefined;
  });
  expect(s0.escalation.level).toBe(0);
  // 5d for alpha's approach: nothing would happen for days
  expect(Date.parse(s0.escalation.nextAt!) - Date.parse(s0.lastActivityAt)).toBe(5 * 86_400_000);

  const changedAt = Date.now();
  const put = await stack.call('PUT', '/v1/config/thresholds', KEYS.managerAlpha, {
    teams: { alpha: { approach: '2s' } },
  });
  expect(put.status).toBe(200);
  const s = await eventually(
    async () => {
      const st = await stack.runtime.leads.get('live-change');
      return st.escalation.level >= 1 ? st : undefined;
    },
    60_000,
    'the lead to escalate under the new threshold',
  );
  expect(Date.now() - changedAt).toBeLessThan(60_000);
  const esc = s.history.find((e) => e.type === 'escalation')!;
  expect(esc.data).toMatchObject({ level: 1, thresholdVersion: put.body.version, thresholdMs: 2000 });
  expect((await h.describe()).runId).toBe(runId); // the same run: not restarted
  // its task reached the owner, and the lead is listable as stalled
  await eventually(async () =>
    (await stack.runtime.tasks.forLead('live-change')).some((t) => t.kind === 'stall' && t.assignee === 'alice'),
  );
  const stalled = await eventually(async () => {
    const r = await stack.call('GET', '/v1/leads?stalled=true&count=true', KEYS.managerAlpha);
    return r.body.items?.some((i: { id: string }) => i.id === 'live-change') ? r : undefined;
  });
  expect(stalled.status).toBe(200);
  expect(stalled.body.total).toBeGreaterThanOrEqual(1);
  expect(
    await stack.runtime.leads.count(
      `TaskQueue = '${stack.config.TEMPORAL_TASK_QUEUE}' AND DealflowEscalationLevel >= 1`,
    ),
  ).toBeGreaterThanOrEqual(1);
});
