/**
 * The lead workflow on the time-skipping test server: every stage, a forward skip, a step back,
 * won → follow_up, lost, illegal moves rejected without a trace, history and search attributes.
 * Activities are typed jest mocks.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { leadWorkflow } from '../../workflows/lead.workflow';
import {
  logActivityUpdate,
  markLostUpdate,
  markWonUpdate,
  moveStageUpdate,
  stateQuery,
  taskCompletedSignal,
  customerRepliedSignal,
} from '../../workflows/messages';
import { SA } from '../../workflows/search-attributes';
import type { LeadInput } from '../../workflows/types';
import { useTimeSkippingWorker } from '../support/time-skipping';
import { activityMocks } from '../support/activity-mocks';

const taskQueue = 'lead-workflow-test';

const activities = activityMocks();
const { createTask, cancelTasks } = activities;

const getEnv = useTimeSkippingWorker(taskQueue, activities);
beforeEach(() => {
  jest.clearAllMocks();
  activities.sent.length = 0;
});

function lead(id: string): LeadInput {
  return {
    id,
    email: `${id}@example.com`,
    name: 'Ada',
    company: 'Engines',
    owner: 'alice',
    team: 'alpha',
    timezone: 'Europe/Berlin',
    locale: 'en',
    value: 5000,
    currency: 'EUR',
    tags: [],
  };
}

async function start(id: string): Promise<WorkflowHandle<typeof leadWorkflow>> {
  return getEnv().client.workflow.start(leadWorkflow, {
    taskQueue,
    workflowId: `lead-${id}`,
    args: [{ lead: lead(id), createdBy: { actor: 'mia', cause: 'created in test' } }],
  });
}

const move = (h: WorkflowHandle<typeof leadWorkflow>, to: string, actor = 'alice', note?: string) =>
  h.executeUpdate(moveStageUpdate, { args: [{ to, actor, note }] });

async function searchAttributes(h: WorkflowHandle<typeof leadWorkflow>) {
  const d = await h.describe();
  return {
    stage: d.typedSearchAttributes.get(SA.stage),
    status: d.typedSearchAttributes.get(SA.status),
    owner: d.typedSearchAttributes.get(SA.owner),
    team: d.typedSearchAttributes.get(SA.team),
    escalationLevel: d.typedSearchAttributes.get(SA.escalationLevel),
  };
}

describe('leadWorkflow', () => {
  it('walks every stage, with a forward skip and a step back, then won → follow_up', async () => {
    const h = await start('walker');
    const t0 = Date.parse((await h.query(stateQuery)).createdAt);

    await getEnv().sleep('1d');
    await move(h, 'preparation');
    await getEnv().sleep('2h');
    await move(h, 'presentation', 'alice', 'skipped approach: they asked for a demo'); // forward skip
    await move(h, 'approach', 'mia', 'demo postponed'); // a step back
    await move(h, 'presentation');
    await move(h, 'objections', 'alice', 'price too high for this quarter');
    await move(h, 'closing');
    await getEnv().sleep('1h');
    const won = await h.executeUpdate(markWonUpdate, { args: [{ amount: 7500, actor: 'alice' }] });
    expect(won).toMatchObject({ stage: 'follow_up', status: 'won' });

    const s = await h.query(stateQuery);
    const moves = s.history.filter((e) => e.type === 'stage_changed').map((e) => [e.from, e.to, e.actor]);
    expect(moves).toEqual([
      ['prospecting', 'preparation', 'alice'],
      ['preparation', 'presentation', 'alice'],
      ['presentation', 'approach', 'mia'],
      ['approach', 'presentation', 'alice'],
      ['presentation', 'objections', 'alice'],
      ['objections', 'closing', 'alice'],
      ['closing', 'follow_up', 'alice'],
    ]);
    expect(s.history[0]).toMatchObject({ type: 'created', actor: 'mia', cause: 'created in test' });
    // times come from the workflow clock, which the test server skipped forward
    const firstMove = s.history.find((e) => e.type === 'stage_changed')!;
    expect(Date.parse(firstMove.at) - t0).toBeGreaterThanOrEqual(24 * 3600_000);
    expect(s.history.find((e) => e.to === 'presentation')!.cause).toContain('they asked for a demo');
    expect(s.history.find((e) => e.type === 'won')).toMatchObject({ actor: 'alice', data: { amount: 7500 } });
    expect(s).toMatchObject({ stage: 'follow_up', status: 'won', value: 7500, wonAmount: 7500 });
    for (const e of s.history) {
      expect(typeof e.actor).toBe('string');
      expect(e.cause.length).toBeGreaterThan(0);
      expect(Number.isNaN(Date.parse(e.at))).toBe(false);
    }

    // each stage entry's automation made its task once, with an id from (lead, entry, kind)
    const kinds = createTask.mock.calls.map(([t]) => `${t.id}`).sort();
    expect(kinds).toEqual([
      'walker.2.research',
      'walker.3.demo',
      'walker.5.demo',
      'walker.6.objection',
      'walker.7.closing',
    ]);
    const objection = createTask.mock.calls.find(([t]) => t.kind === 'objection')![0];
    expect(objection.details).toBe('price too high for this quarter');
    expect(s.tasks.map((t) => t.id).sort()).toEqual(kinds);

    expect(await searchAttributes(h)).toEqual({
      stage: 'follow_up',
      status: 'won',
      owner: 'alice',
      team: 'alpha',
      escalationLevel: 0,
    });
  });

  it('keeps the search attributes current on every move', async () => {
    const h = await start('sa');
    await h.query(stateQuery); // the first workflow task has run
    expect(await searchAttributes(h)).toMatchObject({ stage: 'prospecting', status: 'open' });
    await move(h, 'closing');
    expect(await searchAttributes(h)).toMatchObject({ stage: 'closing', status: 'open' });
    await h.executeUpdate(markLostUpdate, { args: [{ reason: 'no budget', actor: 'alice' }] });
    expect(await h.result()).toMatchObject({ status: 'lost', stage: 'closing' });
    expect(await searchAttributes(h)).toMatchObject({ stage: 'closing', status: 'lost' });
  });

  it('lost ends the lead, records the reason and cancels its open tasks', async () => {
    const h = await start('loser');
    await move(h, 'preparation');
    await h.executeUpdate(markLostUpdate, { args: [{ reason: 'chose a competitor', actor: 'bob' }] });
    const result = await h.result();
    expect(result.status).toBe('lost');
    expect(cancelTasks).toHaveBeenCalledWith({
      leadId: 'loser',
      actor: 'system',
      tasks: [{ id: 'loser.2.research', reason: 'the deal is lost' }],
    });
    const s = await h.query(stateQuery);
    expect(s.history.find((e) => e.type === 'task_cancelled')).toMatchObject({
      actor: 'system',
      cause: 'task loser.2.research (research) cancelled: the deal is lost',
      data: { taskId: 'loser.2.research' },
    });
    expect(s.history.find((e) => e.type === 'lost')).toMatchObject({
      actor: 'bob',
      from: 'preparation',
      cause: expect.stringContaining('chose a competitor'),
    });
    expect(s.lostReason).toBe('chose a competitor');
  });

  it('rejects illegal moves with a reason and records nothing', async () => {
    const h = await start('strict');
    await move(h, 'approach');
    const before = await h.query(stateQuery);
    const reasonOf = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
      }
      throw new Error('the update was accepted');
    };
    expect(await reasonOf(move(h, 'approach'))).toMatch(/already in approach/);
    expect(await reasonOf(move(h, 'follow_up'))).toMatch(/only by marking the deal won/);
    expect(await reasonOf(move(h, 'negotiation'))).toMatch(/unknown stage "negotiation"/);
    expect(await reasonOf(move(h, 'closing', ''))).toMatch(/actor is required/);
    expect(
      await reasonOf(h.executeUpdate(logActivityUpdate, { args: [{ type: 'fax' as 'call', actor: 'alice' }] })),
    ).toMatch(/unknown activity type/);
    const after = await h.query(stateQuery);
    const byPeople = (x: typeof after) => x.history.filter((e) => e.actor !== 'system');
    expect(byPeople(after)).toEqual(byPeople(before));
    expect(after.stage).toBe('approach');

    await h.executeUpdate(markWonUpdate, { args: [{ actor: 'alice' }] });
    expect(await reasonOf(move(h, 'closing'))).toMatch(/the deal is won/);
    expect(await reasonOf(h.executeUpdate(markWonUpdate, { args: [{ actor: 'alice' }] }))).toMatch(/already won/);
    expect(await reasonOf(h.executeUpdate(markLostUpdate, { args: [{ reason: 'x', actor: 'alice' }] }))).toMatch(
      /already won/,
    );
  });

  it('records activity, replies and completed tasks, each resetting lastActivityAt', async () => {
    const h = await start('busy');
    const created = (await h.query(stateQuery)).lastActivityAt;
    await getEnv().sleep('3h');
    await h.executeUpdate(logActivityUpdate, { args: [{ type: 'call', note: 'good chat', actor: 'alice' }] });
    const afterCall = await h.query(stateQuery);
    expect(Date.parse(afterCall.lastActivityAt) - Date.parse(created)).toBeGreaterThanOrEqual(3 * 3600_000);
    await getEnv().sleep('1h');
    await h.signal(customerRepliedSignal, { actor: 'customer', via: 'api' });
    await h.signal(taskCompletedSignal, { taskId: 'busy.1.x', actor: 'alice' });
    await h.signal(taskCompletedSignal, { taskId: 'busy.1.x', actor: 'alice' }); // a duplicate delivery changes nothing
    const s = await h.query(stateQuery);
    expect(s.history.filter((e) => e.actor !== 'system').map((e) => e.type)).toEqual([
      'created',
      'activity_logged',
      'customer_replied',
      'task_completed',
    ]);
    expect(Date.parse(s.lastActivityAt)).toBeGreaterThan(Date.parse(afterCall.lastActivityAt));
  });
});

describe('the address index learns a deal closed (README "One lead per person")', () => {
  it('once when won (the lead runs on in follow_up), once when lost; never while open; previousLeadId kept', async () => {
    const { indexLeadClosed } = activities;
    const h = await getEnv().client.workflow.start(leadWorkflow, {
      taskQueue,
      workflowId: 'lead-again-2',
      args: [
        {
          lead: { ...lead('again-2'), previousLeadId: 'again-1' },
          createdBy: { actor: 'mia', cause: 'created in test' },
        },
      ],
    });
    await move(h, 'closing');
    expect(indexLeadClosed).not.toHaveBeenCalled();
    const s0 = await h.query(stateQuery);
    expect(s0.previousLeadId).toBe('again-1');
    expect(s0.history[0]).toMatchObject({ type: 'created', data: { previousLeadId: 'again-1' } });
    await h.executeUpdate(markWonUpdate, { args: [{ actor: 'alice' }] });
    for (let i = 0; i < 50 && !(await h.query(stateQuery)).addressIndexedClosed; i++) await getEnv().sleep('1s');
    await getEnv().sleep('40d'); // follow-up steps run on
    expect(indexLeadClosed.mock.calls).toEqual([
      [{ leadId: 'again-2', email: 'again-2@example.com', createdAt: s0.createdAt }],
    ]);

    indexLeadClosed.mockClear();
    const lost = await start('lost-idx');
    await h.query(stateQuery);
    await lost.executeUpdate(markLostUpdate, { args: [{ reason: 'no budget', actor: 'bob' }] });
    await lost.result();
    expect(indexLeadClosed.mock.calls.map(([a]) => a.leadId)).toEqual(['lost-idx']);
  });
});
