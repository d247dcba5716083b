/**
 * Tasks that no longer apply, and claims, on the real stack (Temporal, Redis, the API, a local
 * webhook receiver): "Close the deal" is cancelled when the deal is won — on the timeline, once on
 * the stream, delivered once to the team webhook, listable as cancelled, and refused on complete
 * with 409 `task_cancelled`; a rep claims a queued task, which hands them the lead (read, log
 * activity), activity then cancels the stall's escalation tasks; the claim path names nobody to a
 * caller who may not claim, and a rep lists their team's queue.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../store/tasks/webhook';
import { KEYS, eventually, startStack, type Stack } from '../support/stack';

jest.setTimeout(180_000);

const run = crypto.randomBytes(3).toString('hex');
const SECRET = 'lifecycle-webhook-secret-0123';
let stack: Stack;
let server: http.Server;
const received: { delivery: string; type: string; task: { id: string; status: string }; verified: boolean }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as { type: string; task: { id: string; status: string } };
      received.push({
        delivery: String(req.headers['x-dealflow-delivery']),
        type: body.type,
        task: body.task,
        verified: verifySignature(SECRET, raw, req.headers['x-dealflow-signature']),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  stack = await startStack();
  const hooks = await stack.call('PUT', '/v1/config/webhooks', KEYS.admin, {
    teams: { alpha: { url, secret: SECRET }, beta: { url, secret: SECRET } },
  });
  expect(hooks.status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  await new Promise((r) => server?.close(r));
});

/** the stream events of one task other than its creation, as [type, reason] */
async function streamEvents(taskId: string): Promise<[string, string | undefined][]> {
  const all = (await stack.runtime.redis.xrange(`${stack.config.REDIS_PREFIX}tasks`, '-', '+')) as [string, string[]][];
  return all
    .map(
      ([, f]) => Object.fromEntries(f.flatMap((_, i) => (i % 2 ? [] : [[f[i], f[i + 1]]]))) as Record<string, string>,
    )
    .filter((f) => f.taskId === taskId && f.type !== 'task.created')
    .map((f) => [f.type, f.reason]);
}
const task = (id: string) => stack.runtime.tasks.get(id);

/**
 * The ids of a lead's open escalation tasks in its first stage entry by level suffix (`l1.stall`,
 * `l2.escalation`, `l3.reassigned`), whatever the stall's activity count in the id: the ladder's
 * ids carry `stall<activitySeq>` (workflows/stall.ts), which a test must not guess.
 */
async function openStallTasks(leadId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of await stack.runtime.tasks.forLead(leadId)) {
    const m = /\.1\.stall\d+\.(l\d\.[a-z]+)$/.exec(t.id);
    if (m && t.id.startsWith(`${leadId}.`) && t.status === 'open') out[m[1]] = t.id;
  }
  return out;
}

test('"Close the deal" is cancelled when the deal is won: timeline, one stream event, one webhook delivery, listable, not completable', async () => {
  const id = `tl-won-${run}`;
  const created = await stack.call('POST', '/v1/leads', KEYS.managerBeta, {
    id,
    email: `${id}@example.com`,
    company: 'Close Co',
    team: 'beta',
    owner: 'carol',
    stage: 'closing',
  });
  expect(created.status).toBe(201);
  const closeTask = `${id}.1.closing`;
  await eventually(async () => (await task(closeTask))?.status === 'open', 30_000, 'the closing task');

  expect((await stack.call('POST', `/v1/leads/${id}/won`, KEYS.carol, { amount: 1200 })).status).toBe(200);
  const cancelled = await eventually(
    async () => {
      const t = await task(closeTask);
      return t?.status === 'cancelled' ? t : undefined;
    },
    30_000,
    'the closing task to be cancelled',
  );
  expect(cancelled).toMatchObject({ cancelledBy: 'system', cancelReason: 'the deal was won' });

  const lead = await stack.call('GET', `/v1/leads/${id}`, KEYS.carol);
  expect(lead.body.history.filter((e: { type: string }) => e.type === 'task_cancelled')).toEqual([
    expect.objectContaining({
      actor: 'system',
      cause: `task ${closeTask} (closing) cancelled: the deal was won`,
      data: expect.objectContaining({ taskId: closeTask }),
    }),
  ]);
  expect(lead.body.tasks.find((t: { id: string }) => t.id === closeTask)).toMatchObject({ status: 'cancelled' });

  const deliveries = () => received.filter((r) => r.delivery === `${closeTask}:task.cancelled`);
  await eventually(async () => deliveries().length > 0, 30_000, 'the task.cancelled webhook');
  await new Promise((r) => setTimeout(r, 1500)); // no second delivery follows
  expect(deliveries()).toHaveLength(1);
  expect(deliveries()[0]).toMatchObject({
    type: 'task.cancelled',
    verified: true,
    task: { id: closeTask, status: 'cancelled' },
  });
  expect(await streamEvents(closeTask)).toEqual([['task.cancelled', 'the deal was won']]);

  const listed = await stack.call('GET', '/v1/tasks?status=cancelled', KEYS.carol);
  expect(listed.status).toBe(200);
  expect(listed.body.items.map((t: { id: string }) => t.id)).toContain(closeTask);
  expect((await stack.call('GET', '/v1/tasks', KEYS.carol)).body.items.map((t: { id: string }) => t.id)).not.toContain(
    closeTask,
  );

  const complete = await stack.call('POST', `/v1/tasks/${closeTask}/complete`, KEYS.carol);
  expect(complete.status).toBe(409);
  expect(complete.body.error).toMatchObject({
    code: 'task_cancelled',
    message: expect.stringContaining('the deal was won'),
  });
  expect((await task(closeTask))!.status).toBe('cancelled');
  expect(await streamEvents(closeTask)).toEqual([['task.cancelled', 'the deal was won']]);
});

test("a rep who claims a queued task gets the lead (read, log activity); activity cancels the stall's escalation tasks", async () => {
  const th = await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, {
    teams: { alpha: { preparation: '2s' } },
    escalation: { autoReassign: true },
  });
  expect(th.status).toBe(200);
  const id = `tl-claim-${run}`;
  expect(
    (
      await stack.call('POST', '/v1/leads', KEYS.managerAlpha, {
        id,
        email: `${id}@example.com`,
        company: 'Queue Co',
        team: 'alpha',
        owner: 'alice',
        stage: 'preparation',
      })
    ).status,
  ).toBe(201);
  const research = `${id}.1.research`;
  // levels 1, 2, 3 at 2 s, 4 s, 6 s of no activity: at level 3 the lead and its tasks go to the queue
  await eventually(
    async () => (await task(research))?.assignee === 'queue:alpha',
    60_000,
    'the lead in the team queue',
  );
  // its escalation tasks (owner reminder, manager, reassignment note), open until the stall is reset
  const stall = await eventually(
    async () => {
      const open = await openStallTasks(id);
      const ids = ['l1.stall', 'l2.escalation', 'l3.reassigned'].map((k) => open[k]);
      return ids.every(Boolean) ? ids : undefined;
    },
    30_000,
    'the three escalation tasks',
  );
  // the reassignment moved alice's tasks to the queue; the manager's escalation and the note stay mia's
  expect((await Promise.all(stall.map(task))).map((t) => t?.assignee)).toEqual(['queue:alpha', 'mia', 'mia']);
  // the ladder stops at level 3 on a queued lead: nothing more happens until it is claimed
  await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, { teams: { alpha: { preparation: '2d' } } });

  // before the claim bob may not see the lead; he sees his team's queue
  expect((await stack.call('GET', `/v1/leads/${id}`, KEYS.bob)).status).toBe(403);
  const queue = await stack.call('GET', '/v1/tasks?assignee=queue:alpha', KEYS.bob);
  expect(queue.status).toBe(200);
  expect(queue.body.items.map((t: { id: string }) => t.id)).toContain(research);
  expect((await stack.call('GET', '/v1/tasks?assignee=queue:beta', KEYS.bob)).status).toBe(403);
  expect((await stack.call('GET', '/v1/tasks?assignee=alice', KEYS.bob)).status).toBe(403);

  // callers who may not claim learn nothing about the task's assignee
  for (const key of [KEYS.carol, KEYS.marketing, KEYS.managerBeta]) {
    const res = await stack.call('POST', `/v1/tasks/${research}/claim`, key, {});
    expect(res.status).toBe(403);
    expect(res.body.error.message).not.toMatch(/queue|alice|mia|alpha/);
  }
  // the role is checked before the task is looked up: marketing cannot even learn whether a task exists
  expect((await stack.call('POST', `/v1/tasks/${id}.no-such-task/claim`, KEYS.marketing, {})).status).toBe(403);

  const claimed = await stack.call('POST', `/v1/tasks/${research}/claim`, KEYS.bob, {});
  expect(claimed.status).toBe(200);
  expect(claimed.body).toMatchObject({ id: research, assignee: 'bob' });

  const lead = await stack.call('GET', `/v1/leads/${id}`, KEYS.bob);
  expect(lead.status).toBe(200);
  expect(lead.body.owner).toBe('bob');
  expect(lead.body.history.filter((e: { type: string }) => e.type === 'reassigned')).toEqual([
    expect.objectContaining({
      actor: 'bob',
      from: 'queue:alpha',
      to: 'bob',
      cause: `claimed task ${research}: the lead moves from queue:alpha to bob`,
    }),
  ]);
  expect(
    (await stack.call('POST', `/v1/leads/${id}/activities`, KEYS.bob, { type: 'call', note: 'picked it up' })).status,
  ).toBe(200);
  // alice, its owner before the queue, no longer acts on it; claiming again is a 409 naming nobody
  expect((await stack.call('POST', `/v1/leads/${id}/activities`, KEYS.alice, { type: 'call' })).status).toBe(403);
  const again = await stack.call('POST', `/v1/tasks/${research}/claim`, KEYS.alice, {});
  expect(again.status).toBe(409);
  expect(again.body.error.message).not.toMatch(/bob/);

  // the activity reset the stall: its escalation tasks (owner reminder, manager, reassignment note) are cancelled
  await eventually(
    async () => (await Promise.all(stall.map(task))).every((t) => t?.status === 'cancelled'),
    30_000,
    'the escalation tasks cancelled',
  );
  for (const t of stall) {
    expect((await task(t))!.cancelReason).toBe('activity on the lead reset the stall');
    expect(await streamEvents(t)).toEqual(
      expect.arrayContaining([['task.cancelled', 'activity on the lead reset the stall']]),
    );
    expect((await streamEvents(t)).filter(([type]) => type === 'task.cancelled')).toHaveLength(1);
  }
  expect((await task(research))!).toMatchObject({ status: 'open', assignee: 'bob' });

  // bob may complete it: it is his now
  expect((await stack.call('POST', `/v1/tasks/${research}/complete`, KEYS.bob)).status).toBe(200);
});

test('escalation tasks are cancelled when the deal is won, and when it moves on; each once on the stream', async () => {
  const won = `tl-stall-won-${run}`;
  const moved = `tl-stall-moved-${run}`;
  for (const [id, stage] of [
    [won, 'closing'],
    [moved, 'presentation'],
  ]) {
    expect(
      (
        await stack.call('POST', '/v1/leads', KEYS.managerBeta, {
          id,
          email: `${id}@example.com`,
          team: 'beta',
          owner: 'carol',
          stage,
        })
      ).status,
    ).toBe(201);
  }
  // both running (and listed) before the change, so the change reaches them as it reaches any running
  // lead: the propagation signal (a lead started during a change is a race of its own)
  await eventually(
    async () => {
      const listed = (await stack.call('GET', '/v1/leads?team=beta&pageSize=100', KEYS.admin)).body.items.map(
        (l: { id: string }) => l.id,
      );
      return listed.includes(won) && listed.includes(moved);
    },
    30_000,
    'both leads listed',
  );
  // beta's thresholds only: the claim test above uses alpha's
  expect(
    (
      await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, {
        teams: { beta: { closing: '2s', presentation: '2s' } },
        escalation: { autoReassign: false },
      })
    ).status,
  ).toBe(200);
  // levels 1 (owner) and 2 (manager) at 2 s and 4 s of no activity
  const wonStall = await eventually(
    async () => {
      const open = await openStallTasks(won);
      return open['l1.stall'] && open['l2.escalation'] ? [open['l1.stall'], open['l2.escalation']] : undefined;
    },
    60_000,
    'the escalation tasks of the won lead',
  );
  const movedStall = await eventually(
    async () => (await openStallTasks(moved))['l1.stall'],
    60_000,
    'the stall task of the moved lead',
  );
  // no more escalations while the test acts
  await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, {
    teams: { beta: { closing: '7d', presentation: '5d' } },
  });

  expect((await stack.call('POST', `/v1/leads/${won}/won`, KEYS.carol, {})).status).toBe(200);
  expect(
    (await stack.call('POST', `/v1/leads/${moved}/stage`, KEYS.carol, { to: 'objections', note: 'price' })).status,
  ).toBe(200);

  await eventually(
    async () =>
      (await Promise.all([...wonStall, `${won}.1.closing`].map(task))).every((t) => t?.status === 'cancelled'),
    30_000,
    "the won lead's tasks cancelled",
  );
  for (const t of [...wonStall, `${won}.1.closing`])
    expect(await streamEvents(t)).toEqual([['task.cancelled', 'the deal was won']]);

  await eventually(
    async () =>
      (await task(movedStall))?.status === 'cancelled' && (await task(`${moved}.1.demo`))?.status === 'cancelled',
    30_000,
    "the moved lead's tasks cancelled",
  );
  expect(await streamEvents(movedStall)).toEqual([['task.cancelled', 'the lead moved on to objections']]);
  expect(await streamEvents(`${moved}.1.demo`)).toEqual([
    ['task.cancelled', 'the lead left the stage that made it (now in objections)'],
  ]);
  await eventually(async () => (await task(`${moved}.2.objection`))?.status === 'open', 30_000, "the new stage's task");

  const timeline = (await stack.call('GET', `/v1/leads/${won}`, KEYS.carol)).body.history.filter(
    (e: { type: string }) => e.type === 'task_cancelled',
  );
  expect(timeline.map((e: { data: { taskId: string } }) => e.data.taskId).sort()).toEqual(
    [...wonStall, `${won}.1.closing`].sort(),
  );
  // each delivered once to beta's webhook
  await eventually(
    async () => received.filter((r) => r.type === 'task.cancelled' && r.task.id.startsWith(won)).length === 3,
    30_000,
    'the deliveries',
  );
  expect(
    new Set(received.filter((r) => r.type === 'task.cancelled' && r.task.id.startsWith(won)).map((r) => r.delivery))
      .size,
  ).toBe(3);
});
