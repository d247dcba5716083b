/**
 * Tasks that no longer apply are cancelled by the lead (workflows/tasks.ts), on the time-skipping
 * server with mocked activities: the closing task after a win, escalation tasks after a win, after
 * a move and after activity resets the stall, stage tasks after lost; each once, on the timeline
 * with why and delivered as `task.cancelled`; a task completed first is left alone; follow-up tasks
 * outlive the lead. A claim hands a queued lead to the claiming rep.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { activityMocks } from '../support/activity-mocks';
import { leadWorkflow } from '../../workflows/lead.workflow';
import {
  claimTaskUpdate,
  logActivityUpdate,
  markLostUpdate,
  markWonUpdate,
  moveStageUpdate,
  stateQuery,
  taskCompletedSignal,
} from '../../workflows/messages';
import type { ThresholdsDoc } from '../../workflows/policy/thresholds';
import type { LeadInput, LeadState } from '../../workflows/types';
import { useTimeSkippingWorker } from '../support/time-skipping';
import type { CancelTasksRequest } from '../../activities/tasks/task.activities';

/** the time-skipping server is slow to skip hours on a busy machine */
jest.setTimeout(400_000);

const taskQueue = 'task-cancel-test';
let autoReassign = false;
const thresholds = (): ThresholdsDoc => ({
  version: 1,
  updatedAt: null,
  updatedBy: null,
  global: { prospecting: '3d', preparation: '2d', approach: '7d', presentation: '5d', objections: '5d', closing: '7d' },
  teams: { alpha: { presentation: '1h', closing: '1h' } },
  escalation: { multipliers: [1, 2, 3], autoReassign },
});
const activities = { ...activityMocks(), getThresholds: jest.fn(async () => thresholds()) };
const { cancelTasks, deliverTaskWebhook, handOverQueueTasks } = activities;
const getEnv = useTimeSkippingWorker(taskQueue, activities);
beforeEach(() => {
  jest.clearAllMocks();
  autoReassign = false;
});

function lead(id: string, stage: LeadInput['stage']): LeadInput {
  return {
    id,
    email: `${id}@example.com`,
    company: 'Engines',
    owner: 'alice',
    team: 'alpha',
    timezone: 'UTC',
    locale: 'en',
    value: 100,
    currency: 'EUR',
    tags: [],
    stage,
  };
}
async function start(id: string, stage: LeadInput['stage']): Promise<WorkflowHandle<typeof leadWorkflow>> {
  const h = await getEnv().client.workflow.start(leadWorkflow, {
    taskQueue,
    workflowId: `lead-${id}`,
    args: [{ lead: lead(id, stage) }],
  });
  await h.query(stateQuery);
  return h;
}
/** polls the lead's state (the sweeper runs after the change that made tasks stale) */
async function until(h: WorkflowHandle<typeof leadWorkflow>, ok: (s: LeadState) => boolean): Promise<LeadState> {
  for (let i = 0; i < 100; i++) {
    const s = await h.query(stateQuery);
    if (ok(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the lead never got there');
}
const cancelledOnTimeline = (s: LeadState) =>
  s.history.filter((e) => e.type === 'task_cancelled').map((e) => [e.data?.taskId, e.cause]);
/** the tasks one lead asked to cancel (leads of earlier tests keep running beside it) */
const askedToCancel = (lead: string) =>
  cancelTasks.mock.calls.flatMap(([r]: [CancelTasksRequest]) => (r.leadId === lead ? r.tasks : []));
const deliveredCancels = (lead: string) =>
  deliverTaskWebhook.mock.calls
    .map(([d]) => d)
    .filter((d) => d.event === 'task.cancelled' && d.taskId.startsWith(`${lead}.`))
    .map((d) => d.taskId);
/** why an update was refused (the validator's message) */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { cause?: Error }).cause?.message ?? (e as Error).message;
  }
  throw new Error('the update was accepted');
}
const refs = (s: LeadState) => Object.fromEntries(s.tasks.map((t) => [t.id, t.closed ?? 'open']));

test('"Close the deal" is cancelled once the deal is won, on the timeline with why and as one task.cancelled delivery', async () => {
  const h = await start('won-close', 'closing');
  await until(h, (s) => s.tasks.some((t) => t.id === 'won-close.1.closing'));
  await h.executeUpdate(markWonUpdate, { args: [{ actor: 'alice' }] });
  const s = await until(h, (x) => cancelledOnTimeline(x).length === 1);
  expect(cancelledOnTimeline(s)).toEqual([
    ['won-close.1.closing', 'task won-close.1.closing (closing) cancelled: the deal was won'],
  ]);
  expect(askedToCancel('won-close')).toEqual([{ id: 'won-close.1.closing', reason: 'the deal was won' }]);
  expect(refs(s)['won-close.1.closing']).toBe('cancelled');
  await getEnv().sleep('1h'); // nothing is cancelled or delivered a second time
  expect(deliveredCancels('won-close')).toEqual(['won-close.1.closing']);
  expect(askedToCancel('won-close')).toHaveLength(1);
});

test('escalation tasks at every level are cancelled when the deal is won', async () => {
  const h = await start('won-stall', 'closing');
  await getEnv().sleep('150m'); // levels 1 (owner) and 2 (manager) have fired
  const before = await until(h, (s) => s.tasks.filter((t) => t.id.includes('.stall')).length === 2);
  const stall = before.tasks.filter((t) => t.id.includes('.stall')).map((t) => t.id);
  expect(stall).toEqual(['won-stall.1.stall0.l1.stall', 'won-stall.1.stall0.l2.escalation']);
  expect(askedToCancel('won-stall')).toEqual([]);
  await h.executeUpdate(markWonUpdate, { args: [{ actor: 'alice' }] });
  const s = await until(h, (x) => cancelledOnTimeline(x).length === 3);
  expect(
    askedToCancel('won-stall')
      .map((t) => t.id)
      .sort(),
  ).toEqual(['won-stall.1.closing', ...stall].sort());
  for (const t of askedToCancel('won-stall')) expect(t.reason).toBe('the deal was won');
  await getEnv().sleep('1h'); // each delivery follows its timeline entry; none comes twice
  expect(deliveredCancels('won-stall').sort()).toEqual(['won-stall.1.closing', ...stall].sort());
  expect(s.escalation.level).toBe(0);
});

test("a move cancels the stage task and the escalation task of the stage it left; the new stage's task stays", async () => {
  const h = await start('moved', 'presentation');
  await getEnv().sleep('90m');
  await until(h, (s) => s.tasks.some((t) => t.id === 'moved.1.stall0.l1.stall'));
  await h.executeUpdate(moveStageUpdate, { args: [{ to: 'objections', actor: 'alice', note: 'price' }] });
  const s = await until(
    h,
    (x) => cancelledOnTimeline(x).length === 2 && x.tasks.some((t) => t.id === 'moved.2.objection'),
  );
  expect(askedToCancel('moved')).toEqual([
    { id: 'moved.1.demo', reason: 'the lead left the stage that made it (now in objections)' },
    { id: 'moved.1.stall0.l1.stall', reason: 'the lead moved on to objections' },
  ]);
  expect(refs(s)).toEqual({
    'moved.1.demo': 'cancelled',
    'moved.1.stall0.l1.stall': 'cancelled',
    'moved.2.objection': 'open',
  });
});

test('activity on the lead resets the stall and cancels its escalation task, not the stage task', async () => {
  const h = await start('reset', 'presentation');
  await getEnv().sleep('90m');
  await until(h, (s) => s.tasks.some((t) => t.id === 'reset.1.stall0.l1.stall'));
  await h.executeUpdate(logActivityUpdate, { args: [{ type: 'call', actor: 'alice' }] });
  const s = await until(h, (x) => cancelledOnTimeline(x).length === 1);
  expect(cancelledOnTimeline(s)).toEqual([
    ['reset.1.stall0.l1.stall', 'task reset.1.stall0.l1.stall (stall) cancelled: activity on the lead reset the stall'],
  ]);
  expect(refs(s)).toEqual({ 'reset.1.demo': 'open', 'reset.1.stall0.l1.stall': 'cancelled' });
});

test('a task completed before the deal closes is not cancelled; one the store saw completed first is not recorded as cancelled', async () => {
  // the store answers `done` for this lead's stall task (someone completed it just before)
  cancelTasks.mockImplementation(async (req: CancelTasksRequest) =>
    req.tasks.map((t) => ({
      id: t.id,
      status: req.leadId === 'raced' && t.id.endsWith('.stall') ? ('done' as const) : ('cancelled' as const),
    })),
  );
  const h = await start('raced', 'presentation');
  await getEnv().sleep('90m');
  await until(h, (s) => s.tasks.length === 2);
  await h.signal(taskCompletedSignal, { taskId: 'raced.1.demo', actor: 'alice' });
  // completing counts as activity: the stall task no longer applies, but the store saw it completed
  // first (the mock answers `done`), so it is not recorded as cancelled
  await until(h, (s) => s.tasks.find((t) => t.id === 'raced.1.stall0.l1.stall')?.closed === 'done');
  await h.executeUpdate(markLostUpdate, { args: [{ reason: 'no budget', actor: 'alice' }] });
  await h.result();
  const s = await h.query(stateQuery);
  // the demo task was done before the deal was lost: never asked to cancel
  expect(askedToCancel('raced')).toEqual([
    { id: 'raced.1.stall0.l1.stall', reason: 'activity on the lead reset the stall' },
  ]);
  expect(cancelledOnTimeline(s)).toEqual([]);
  expect(deliveredCancels('raced')).toEqual([]);
  expect(refs(s)).toEqual({ 'raced.1.demo': 'done', 'raced.1.stall0.l1.stall': 'done' });
});

test('follow-up tasks are the after-sale work: they outlive the completed lead', async () => {
  const h = await start('after', 'closing');
  await until(h, (s) => s.tasks.length === 1);
  await h.executeUpdate(markWonUpdate, { args: [{ actor: 'alice' }] });
  await getEnv().sleep('100d');
  expect(await h.result()).toMatchObject({ status: 'completed' });
  const s = await h.query(stateQuery);
  expect(s.tasks.map((t) => t.id)).toEqual(['after.1.closing', 'after.2.check_in_1', 'after.2.check_in_2']);
  expect(askedToCancel('after').map((t) => t.id)).toEqual(['after.1.closing']);
  expect(refs(s)).toEqual({
    'after.1.closing': 'cancelled',
    'after.2.check_in_1': 'open',
    'after.2.check_in_2': 'open',
  });
});

test('a claim from the team queue hands the lead to the rep: recorded, queued tasks moved, the rep may act; a second claim loses', async () => {
  autoReassign = true;
  const h = await start('queued', 'presentation');
  await getEnv().sleep('210m');
  const q = await until(h, (s) => s.owner === 'queue:alpha');
  const demo = q.tasks.find((t) => t.kind === 'demo')!;
  expect(demo.assignee).toBe('queue:alpha');

  // a rep may not claim for another rep, nor act on the queued lead before claiming it
  expect(
    await refusal(
      h.executeUpdate(claimTaskUpdate, {
        args: [{ taskId: demo.id, rep: 'bob', actor: 'carol', access: { role: 'rep', scope: 'carol' } }],
      }),
    ),
  ).toMatch(/may not claim/);
  expect(
    await refusal(
      h.executeUpdate(logActivityUpdate, {
        args: [{ type: 'call', actor: 'bob', access: { role: 'rep', scope: 'bob' } }],
      }),
    ),
  ).toMatch(/may not act/);

  const summary = await h.executeUpdate(claimTaskUpdate, {
    args: [{ taskId: demo.id, rep: 'bob', actor: 'bob', access: { role: 'rep', scope: 'bob' } }],
  });
  expect(summary.owner).toBe('bob');
  expect(handOverQueueTasks).toHaveBeenCalledWith({ leadId: 'queued', from: 'queue:alpha', to: 'bob', actor: 'bob' });
  const s = await h.query(stateQuery);
  expect(s.history.filter((e) => e.type === 'reassigned')).toEqual([
    expect.objectContaining({
      actor: 'bob',
      from: 'queue:alpha',
      to: 'bob',
      cause: `claimed task ${demo.id}: the lead moves from queue:alpha to bob`,
    }),
  ]);
  expect(s.tasks.find((t) => t.id === demo.id)!.assignee).toBe('bob');

  // the same claim again changes nothing; another rep's claim is refused without naming anyone
  await h.executeUpdate(claimTaskUpdate, {
    args: [{ taskId: demo.id, rep: 'bob', actor: 'bob', access: { role: 'rep', scope: 'bob' } }],
  });
  expect(
    await refusal(
      h.executeUpdate(claimTaskUpdate, {
        args: [{ taskId: demo.id, rep: 'carol', actor: 'carol', access: { role: 'rep', scope: 'carol' } }],
      }),
    ),
  ).toMatch(/claimed first/);
  expect((await h.query(stateQuery)).history.filter((e) => e.type === 'reassigned')).toHaveLength(1);

  // bob now acts on the lead: activity resets the stall, which cancels its escalation tasks
  await h.executeUpdate(logActivityUpdate, {
    args: [{ type: 'call', actor: 'bob', access: { role: 'rep', scope: 'bob' } }],
  });
  const after = await until(h, (x) => cancelledOnTimeline(x).length === 3);
  expect(cancelledOnTimeline(after).map(([id]) => id)).toEqual([
    'queued.1.stall0.l1.stall',
    'queued.1.stall0.l2.escalation',
    'queued.1.stall0.l3.reassigned',
  ]);
  expect(refs(after)[demo.id]).toBe('open');
});
