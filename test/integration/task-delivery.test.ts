/**
 * Task delivery on the real dev server, Redis and SMTP (README "How tasks reach people"): a consumer group on the task
 * stream sees every task event exactly once, and the digest schedule mails each rep with open
 * tasks once, and nobody else.
 */
import crypto from 'node:crypto';
import Redis from 'ioredis';
import type { ScheduleHandle } from '@temporalio/client';
import { startMailCatcher, type CaughtMessage, type MailCatcher } from '../../devstack/services';
import { ensureDigestSchedule } from '../../client/schedules';
import type { taskDigestWorkflow } from '../../workflows/digest.workflow';
import { KEYS, eventually, startStack, type Stack } from '../support/stack';

jest.setTimeout(180_000);

const run = crypto.randomBytes(3).toString('hex');
/** lead id → [owner, key that may create it, key that may move it] */
const LEADS: Record<string, [string, string, string]> = {
  [`td-${run}-a1`]: ['alice', KEYS.managerAlpha, KEYS.alice],
  [`td-${run}-a2`]: ['alice', KEYS.managerAlpha, KEYS.alice],
  [`td-${run}-c1`]: ['carol', KEYS.managerBeta, KEYS.carol],
};
/** preparation makes a research task, presentation a demo task */
const MOVES: Record<string, string[]> = {
  [`td-${run}-a1`]: ['preparation', 'presentation'],
  [`td-${run}-a2`]: ['preparation'],
  [`td-${run}-c1`]: ['preparation', 'presentation'],
};
const EXPECTED_CREATED = Object.values(MOVES).reduce((n, m) => n + m.length, 0);

let mail: MailCatcher;
let stack: Stack;
let reader: Redis;
let schedule: ScheduleHandle | undefined;

beforeAll(async () => {
  mail = await startMailCatcher({});
  stack = await startStack({ config: { SMTP_URL: mail.smtpUrl } });
  reader = new Redis(stack.config.REDIS_URL, { maxRetriesPerRequest: 2 });
});

afterAll(async () => {
  await schedule?.delete().catch(() => undefined);
  reader?.disconnect();
  await stack?.stop();
  await mail?.stop();
});

type StreamEntry = [id: string, fields: string[]];
type StreamReply = [key: string, entries: StreamEntry[]][] | null;

function fieldsOf(entry: StreamEntry): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < entry[1].length; i += 2) out[entry[1][i]] = entry[1][i + 1];
  return out;
}

test("a consumer group on the task stream sees every task event exactly once, a crashed consumer's included", async () => {
  const stream = `${stack.config.REDIS_PREFIX}tasks`;
  const group = `crm-${run}`;
  await reader.xgroup('CREATE', stream, group, '0', 'MKSTREAM');

  for (const [id, [owner, createKey, moveKey]] of Object.entries(LEADS)) {
    const created = await stack.call('POST', '/v1/leads', createKey, {
      id,
      email: `${id}@example.com`,
      company: `Company ${id}`,
      owner,
    });
    expect(created.status).toBe(201);
    for (const to of MOVES[id]) {
      const moved = await stack.call('POST', `/v1/leads/${id}/stage`, moveKey, { to });
      expect(moved.status).toBe(200);
    }
  }

  /** acknowledged (= processed) entries, by stream id */
  const processed = new Map<string, Record<string, string>>();
  const ack = async (entries: StreamEntry[]) => {
    for (const e of entries) {
      expect(processed.has(e[0])).toBe(false); // never handed out twice after an ack
      processed.set(e[0], fieldsOf(e));
      await reader.xack(stream, group, e[0]);
    }
  };
  const ours = () =>
    [...processed.values()].filter(
      (f) => f.type === 'task.created' && (JSON.parse(f.task) as { leadId: string }).leadId in LEADS,
    );

  // a consumer takes two entries and dies before acknowledging them
  const crashed = (await reader.xreadgroup(
    'GROUP',
    group,
    'crm-crashed',
    'COUNT',
    2,
    'BLOCK',
    20_000,
    'STREAMS',
    stream,
    '>',
  )) as StreamReply;
  const lost = crashed?.[0]?.[1] ?? [];
  expect(lost.length).toBeGreaterThan(0);

  const consumers = ['crm-1', 'crm-2'];
  const deadline = Date.now() + 60_000;
  for (let turn = 0; ours().length < EXPECTED_CREATED; turn++) {
    if (Date.now() > deadline) throw new Error(`saw ${ours().length} of ${EXPECTED_CREATED} task.created events`);
    if (turn === 1) {
      // a live consumer claims what the crashed one held (min idle 0: no waiting in a test)
      const [, claimed] = (await reader.xautoclaim(stream, group, 'crm-1', 0, '0-0')) as [
        string,
        StreamEntry[],
        string[],
      ];
      expect(claimed.map((c) => c[0]).sort()).toEqual(lost.map((l) => l[0]).sort());
      await ack(claimed);
      continue;
    }
    const reply = (await reader.xreadgroup(
      'GROUP',
      group,
      consumers[turn % 2],
      'COUNT',
      2,
      'BLOCK',
      1_000,
      'STREAMS',
      stream,
      '>',
    )) as StreamReply;
    await ack(reply?.[0]?.[1] ?? []);
  }
  // nothing more arrives for these tasks, and nothing is left pending
  const tail = (await reader.xreadgroup(
    'GROUP',
    group,
    'crm-1',
    'COUNT',
    100,
    'BLOCK',
    1_500,
    'STREAMS',
    stream,
    '>',
  )) as StreamReply;
  await ack(tail?.[0]?.[1] ?? []);
  const pending = (await reader.xpending(stream, group)) as [number, ...unknown[]];
  expect(pending[0]).toBe(0);

  const events = ours();
  expect(events).toHaveLength(EXPECTED_CREATED);
  const ids = events.map((e) => e.taskId);
  expect(new Set(ids).size).toBe(ids.length);
  const stored = (await Promise.all(Object.keys(LEADS).map((id) => stack.runtime.tasks.forLead(id)))).flat();
  expect(ids.sort()).toEqual(stored.map((t) => t.id).sort());
  for (const e of events) {
    expect(JSON.parse(e.task)).toMatchObject({ id: e.taskId, status: 'open' });
    expect(Number.isNaN(Date.parse(e.at))).toBe(false);
  }
});

test('the digest schedule exists, and a run mails one digest to each rep with open tasks and none to the others', async () => {
  // the tasks of the first test must exist; wait for them if it was skipped. Moving on from
  // preparation cancels its research task (README "Tasks that no longer apply are cancelled"), so
  // alice has 2 open tasks (a1 demo, a2 research) and carol 1 (c1 demo)
  await eventually(
    async () =>
      (await Promise.all(Object.keys(LEADS).map((id) => stack.runtime.tasks.forLead(id)))).flat().length ===
      EXPECTED_CREATED,
    60_000,
    'the tasks',
  );
  await eventually(
    async () =>
      (
        await Promise.all([`td-${run}-a1`, `td-${run}-c1`].map((id) => stack.runtime.tasks.get(`${id}.2.research`)))
      ).every((t) => t?.status === 'cancelled'),
    60_000,
    'the research tasks left behind to be cancelled',
  );
  const roster = stack.runtime.roster();
  const people = roster.teams().flatMap((t) => [...roster.team(t).reps, roster.team(t).manager]);
  const withTasks: string[] = [];
  for (const p of people)
    if ((await stack.runtime.tasks.list({ assignee: p.id, status: 'open' })).items.length > 0) withTasks.push(p.id);
  expect(withTasks.sort()).toEqual(['alice', 'carol']);

  const scheduleId = `test-digest-${run}`;
  const taskQueue = stack.config.TEMPORAL_TASK_QUEUE;
  schedule = await ensureDigestSchedule(stack.runtime.client, { taskQueue, scheduleId, timezone: 'Europe/Berlin' });
  const described = await stack.runtime.client.schedule.getHandle(scheduleId).describe();
  expect(described.scheduleId).toBe(scheduleId);
  expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'taskDigestWorkflow', taskQueue });
  expect(described.spec.timezone).toBe('Europe/Berlin');
  // ensuring again finds the existing schedule
  expect((await ensureDigestSchedule(stack.runtime.client, { taskQueue, scheduleId })).scheduleId).toBe(scheduleId);

  const digests = (msgs: CaughtMessage[]) =>
    msgs.filter((m) => (m.headers['x-dealflow-step'] ?? '').startsWith('digest:'));
  await schedule.trigger();
  const started = await eventually(
    async () => (await schedule!.describe()).info.recentActions[0]?.action.workflow,
    30_000,
    'the triggered run',
  );
  const result = await stack.runtime.client.workflow.getHandle<typeof taskDigestWorkflow>(started.workflowId).result();
  expect(result.reps.sort()).toEqual(['alice', 'carol']);
  expect(result.sent).toBe(2);

  const got = digests(await mail.waitFor((m) => digests(m).length >= 2, 30_000));
  const to = got.map((m) => m.to.join(',')).sort();
  expect(to).toEqual(['alice@dealflow.local', 'carol@dealflow.local']);
  const alice = got.find((m) => m.to.includes('alice@dealflow.local'))!;
  expect(alice.headers['x-dealflow-step']).toBe(`digest:${result.date}`);
  expect(alice.subject).toMatch(/2 open/);
  expect(alice.text).toContain(`Company td-${run}-a2`);

  // a second run for the same day (a retry, a manual re-run) mails nobody again
  const again = await stack.runtime.client.workflow.execute<typeof taskDigestWorkflow>('taskDigestWorkflow', {
    taskQueue,
    workflowId: `${scheduleId}-again`,
    args: [{ date: result.date }],
  });
  expect(again).toMatchObject({ date: result.date, sent: 0 });
  expect(again.reps.sort()).toEqual(['alice', 'carol']);
  await new Promise((r) => setTimeout(r, 1_000));
  expect(digests(mail.messages())).toHaveLength(2);
});

test('webhook config: admins set any team, managers only their own; secrets are masked; bad input is a 400 naming the field', async () => {
  const url = 'https://crm.example.com/hooks/dealflow';
  expect((await stack.call('GET', '/v1/config/webhooks', KEYS.alice)).status).toBe(403);
  expect(
    (
      await stack.call('PUT', '/v1/config/webhooks', KEYS.marketing, {
        teams: { alpha: { url, secret: 'x'.repeat(16) } },
      })
    ).status,
  ).toBe(403);
  expect(
    (
      await stack.call('PUT', '/v1/config/webhooks', KEYS.managerBeta, {
        teams: { alpha: { url, secret: 'x'.repeat(16) } },
      })
    ).status,
  ).toBe(403);

  const set = await stack.call('PUT', '/v1/config/webhooks', KEYS.managerAlpha, {
    teams: { alpha: { url, secret: 'alpha-secret-0123456789-abcd', events: ['task.created'] } },
  });
  expect(set.status).toBe(200);
  expect(set.body).toMatchObject({
    version: 1,
    updatedBy: 'mia',
    teams: { alpha: { url, secret: '…abcd', events: ['task.created'] } },
  });
  const admin = await stack.call('PUT', '/v1/config/webhooks', KEYS.admin, {
    teams: { beta: { url: 'http://127.0.0.1:9/beta', secret: 'beta-secret-0123456789-wxyz' } },
  });
  expect(admin.status).toBe(200);
  expect(Object.keys(admin.body.teams).sort()).toEqual(['alpha', 'beta']);

  const asManager = await stack.call('GET', '/v1/config/webhooks', KEYS.managerBeta);
  expect(asManager.body.teams).toEqual({ beta: { url: 'http://127.0.0.1:9/beta', secret: '…wxyz' } });
  expect(JSON.stringify((await stack.call('GET', '/v1/config/webhooks', KEYS.admin)).body)).not.toContain('0123456789');

  // the secret may be left out to keep it; null removes a team's webhook
  const kept = await stack.call('PUT', '/v1/config/webhooks', KEYS.managerAlpha, {
    teams: { alpha: { url: `${url}/v2` } },
  });
  expect(kept.body.teams.alpha).toEqual({ url: `${url}/v2`, secret: '…abcd' });
  const removed = await stack.call('PUT', '/v1/config/webhooks', KEYS.admin, { teams: { beta: null } });
  expect(Object.keys(removed.body.teams)).toEqual(['alpha']);

  const before = (await stack.call('GET', '/v1/config/webhooks', KEYS.admin)).body.version;
  const cases: [unknown, string][] = [
    [{ teams: { alpha: { url: 'ftp://example.com/x', secret: 'y'.repeat(16) } } }, 'teams.alpha.url'],
    [{ teams: { alpha: { url, secret: 'short' } } }, 'teams.alpha.secret'],
    [{ teams: { alpha: { url, secret: 'y'.repeat(16), events: ['task.exploded'] } } }, 'teams.alpha.events.0'],
    [{ teams: { alpha: { url, secret: 'y'.repeat(16), colour: 'red' } } }, 'teams.alpha.colour'],
    [{ teams: { gamma: { url, secret: 'y'.repeat(16) } } }, 'teams.gamma'],
    [{ teams: { beta: { url } } }, 'teams.beta.secret'],
    [{ hooks: {} }, 'hooks'],
  ];
  for (const [body, path] of cases) {
    const res = await stack.call('PUT', '/v1/config/webhooks', KEYS.admin, body);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  }
  expect((await stack.call('GET', '/v1/config/webhooks', KEYS.admin)).body.version).toBe(before);

  const hist = await stack.call('GET', '/v1/config/webhooks/history', KEYS.admin);
  expect(hist.status).toBe(200);
  expect(hist.body.items[0]).toMatchObject({
    version: before,
    by: 'admin',
    old: { teams: { beta: { secret: '…wxyz' } } },
    new: { teams: { alpha: { secret: '…abcd' } } },
  });
  expect(JSON.stringify(hist.body)).not.toContain('0123456789');
  expect((await stack.call('GET', '/v1/config/webhooks/history', KEYS.managerAlpha)).status).toBe(403);
});
