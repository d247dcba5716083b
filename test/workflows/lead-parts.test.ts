/**
 * The lead workflow's parts (docs/ARCHITECTURE.md, "The lead workflow") on the time-skipping test
 * server, from a state carried over by continue-as-new with a queue of stage entries:
 * - an entry superseded before its turn makes its task and nothing else (the context's rule);
 * - each objections entry's task carries the note of its own move (`pending[].note`);
 * - a state from a run that kept its steps as `"<entry>:<step>"` strings and queued entries without
 *   notes is taken over: steps already done are not done again, notes come from the history.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { initialState, leadWorkflow } from '../../workflows/lead.workflow';
import { markLostUpdate, stateQuery } from '../../workflows/messages';
import type { HistoryEntry, LeadInput, LeadState } from '../../workflows/types';
import { useTimeSkippingWorker } from '../support/time-skipping';
import { activityMocks } from '../support/activity-mocks';

const taskQueue = 'lead-parts-test';
const activities = activityMocks();
const { createTask } = activities;
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
    timezone: 'UTC',
    locale: 'en',
    value: 900,
    currency: 'EUR',
    tags: [],
  };
}

// the test server's clock starts at the real time: a lead active just now has no stall yet
const at = new Date().toISOString();
const moved = (from: string, to: string, note?: string): HistoryEntry => ({
  at,
  type: 'stage_changed',
  from,
  to,
  actor: 'alice',
  cause: `moved by alice`,
  ...(note ? { data: { note } } : {}),
});

/** A lead that was moved prospecting → presentation → objections → closing → objections before any of those entries ran. */
function carried(id: string): LeadState {
  const s = initialState(lead(id), at);
  s.stage = 'objections';
  s.stageEntry = 5;
  s.stageEnteredAt = at;
  s.history = [
    { at, type: 'created', to: 'prospecting', actor: 'mia', cause: 'created in test' },
    moved('prospecting', 'presentation'),
    moved('presentation', 'objections', 'too expensive for this quarter'),
    moved('objections', 'closing'),
    moved('closing', 'objections', 'a competitor is already in'),
  ];
  s.steps = { '1': ['collect'] };
  s.pending = [
    { entry: 2, stage: 'presentation', note: null },
    { entry: 3, stage: 'objections', note: 'too expensive for this quarter' },
    { entry: 4, stage: 'closing', note: null },
    { entry: 5, stage: 'objections', note: 'a competitor is already in' },
  ];
  return s;
}

async function start(id: string, state: LeadState): Promise<WorkflowHandle<typeof leadWorkflow>> {
  return getEnv().client.workflow.start(leadWorkflow, {
    taskQueue,
    workflowId: `lead-${id}`,
    args: [{ lead: lead(id), state }],
  });
}

async function untilQueueDrained(h: WorkflowHandle<typeof leadWorkflow>): Promise<LeadState> {
  for (let i = 0; i < 200; i++) {
    const s = await h.query(stateQuery);
    if (s.pending.length === 0) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the stage queue never drained');
}

// superseded entries' tasks are made side by side (they drain in the background): compared by id
const tasksMade = () =>
  createTask.mock.calls
    .map(([t]) => ({ id: t.id, details: t.details, category: (t.data as { category?: string } | undefined)?.category }))
    .sort((a, b) => a.id.localeCompare(b.id));

describe('a queue of stage entries carried over', () => {
  it('superseded entries make their task and stop; each objections task carries its own note', async () => {
    const h = await start('queue', carried('queue'));
    const s = await untilQueueDrained(h);

    expect(tasksMade()).toEqual([
      { id: 'queue.2.demo', details: expect.any(String), category: undefined },
      { id: 'queue.3.objection', details: 'too expensive for this quarter', category: 'price' },
      { id: 'queue.4.closing', details: expect.any(String), category: undefined },
      { id: 'queue.5.objection', details: 'a competitor is already in', category: 'competitor' },
    ]);
    // only the entry the lead is in sends its email: no demo reminder, no proposal, no price content
    expect(activities.sent.map((e) => e.template)).toEqual(['objection_content_competitor']);
    // the steps of finished entries are dropped; nothing is kept as "<entry>:<step>" strings
    expect(s.done).toBeUndefined();
    expect(Object.keys(s.steps).every((e) => Number(e) > 5)).toBe(true);

    await h.executeUpdate(markLostUpdate, { args: [{ reason: 'went elsewhere', actor: 'alice' }] });
    await expect(h.result()).resolves.toMatchObject({ status: 'lost' });
  });

  it('a state from a run before: "<entry>:<step>" strings and notes read from the history', async () => {
    const old = carried('legacy') as LeadState & { done?: string[] };
    delete (old as Partial<LeadState>).steps;
    old.done = ['1:collect', '5:task:objection'];
    // queued by a run that kept no notes: the newest move into the stage names it (as that run did)
    old.pending = old.pending.map(({ entry, stage }) => ({ entry, stage }));
    const h = await start('legacy', old);
    const s = await untilQueueDrained(h);

    expect(tasksMade()).toEqual([
      { id: 'legacy.2.demo', details: expect.any(String), category: undefined },
      { id: 'legacy.3.objection', details: 'a competitor is already in', category: 'competitor' },
      { id: 'legacy.4.closing', details: expect.any(String), category: undefined },
      // entry 5's task was done before the state was carried over: not made again
    ]);
    expect(activities.sent.map((e) => e.template)).toEqual(['objection_content_competitor']);
    expect(s.done).toBeUndefined();

    await h.executeUpdate(markLostUpdate, { args: [{ reason: 'went elsewhere', actor: 'alice' }] });
    await expect(h.result()).resolves.toMatchObject({ status: 'lost' });
  });
});
