/**
 * The escalation ladder on the time-skipping server: levels fire at exactly 1×, 2× and 3× the
 * threshold, activity resets the ladder, and a threshold change mid-stall applies both ways
 * (shorter by the pushed signal, longer when the timer fires and re-reads the thresholds).
 */
import type { WorkflowHandle } from '@temporalio/client';
import { activityMocks } from '../support/activity-mocks';
import { leadWorkflow } from '../../workflows/lead.workflow';
import { logActivityUpdate, moveStageUpdate, stateQuery, thresholdsChangedSignal } from '../../workflows/messages';
import { SA } from '../../workflows/search-attributes';
import type { ThresholdsDoc } from '../../workflows/policy/thresholds';
import type { LeadState } from '../../workflows/types';
import { useTimeSkippingWorker } from '../support/time-skipping';

const HOUR = 3600_000;
const MIN = 60_000;
const taskQueue = 'stall-test';

function doc(version: number, approach: string, autoReassign = false): ThresholdsDoc {
  return {
    version,
    updatedAt: null,
    updatedBy: null,
    global: {
      prospecting: '3d',
      preparation: '2d',
      approach: '7d',
      presentation: '5d',
      objections: '5d',
      closing: '7d',
    },
    teams: { alpha: { approach } },
    escalation: { multipliers: [1, 2, 3], autoReassign },
  };
}
let current = doc(1, '1h');
const activities = { ...activityMocks(), getThresholds: jest.fn(async () => current) };
const { createTask, reassignLeadTasks } = activities;
/** the approach cadence's emails are not what these tests are about */
const createdStallTasks = () => createTask.mock.calls.map(([t]) => t).filter((t) => t.id.includes('.stall'));

const getEnv = useTimeSkippingWorker(taskQueue, activities);
beforeEach(() => {
  jest.clearAllMocks();
  current = doc(1, '1h');
});

async function leadInApproach(id: string): Promise<{ h: WorkflowHandle<typeof leadWorkflow>; t0: number }> {
  const h = await getEnv().client.workflow.start(leadWorkflow, {
    taskQueue,
    workflowId: `lead-${id}`,
    args: [
      {
        lead: {
          id,
          email: `${id}@x.test`,
          owner: 'alice',
          team: 'alpha',
          timezone: 'UTC',
          locale: 'en',
          value: 1,
          currency: 'USD',
          tags: [],
          stage: 'approach',
        },
      },
    ],
  });
  const s = await h.query(stateQuery);
  return { h, t0: Date.parse(s.lastActivityAt) };
}
const escalations = (s: LeadState) => s.history.filter((e) => e.type === 'escalation');
/** the workflow task that handles a timer starts right after it fires; allow that much */
const expectAt = (iso: string, ms: number) => expect(Math.abs(Date.parse(iso) - ms)).toBeLessThan(2000);

test('the ladder fires at exactly 1×, 2× and 3× the threshold, each level once, and auto-reassigns at 3×', async () => {
  current = doc(1, '1h', true);
  const { h, t0 } = await leadInApproach('ladder');
  await getEnv().sleep('59m');
  expect(escalations(await h.query(stateQuery))).toHaveLength(0);
  await getEnv().sleep('4h');
  const s = await h.query(stateQuery);
  const e = escalations(s);
  expect(e.map((x) => x.data?.level)).toEqual([1, 2, 3]);
  expectAt(e[0].at, t0 + 1 * HOUR);
  expectAt(e[1].at, t0 + 2 * HOUR);
  expectAt(e[2].at, t0 + 3 * HOUR);
  for (const x of e) expect(x.data).toMatchObject({ thresholdVersion: 1, thresholdMs: HOUR });
  expect(s.escalation).toMatchObject({ level: 3, thresholdVersion: 1 });

  const made = createdStallTasks().map((t) => [t.kind, t.assignee]);
  expect(made).toEqual([
    ['stall', 'alice'],
    ['escalation', 'mia'],
    ['reassigned', 'mia'],
  ]);
  expect(reassignLeadTasks).toHaveBeenCalledTimes(1);
  // only the owner's tasks go to the queue: the manager's level-2 escalation task stays with mia
  expect(reassignLeadTasks).toHaveBeenCalledWith({
    leadId: 'ladder',
    to: 'queue:alpha',
    actor: 'system',
    from: 'alice',
  });
  expect(s.owner).toBe('queue:alpha');
  const d = await h.describe();
  expect(d.typedSearchAttributes.get(SA.escalationLevel)).toBe(3);
  expect(d.typedSearchAttributes.get(SA.owner)).toBe('queue:alpha');

  await getEnv().sleep('10h'); // the ladder is exhausted: nothing repeats
  expect(escalations(await h.query(stateQuery))).toHaveLength(3);
  expect(createdStallTasks()).toHaveLength(3);
});

test('any activity resets the ladder', async () => {
  const { h, t0 } = await leadInApproach('reset');
  await getEnv().sleep('50m');
  await h.executeUpdate(logActivityUpdate, { args: [{ type: 'call', actor: 'alice' }] });
  const touched = Date.parse((await h.query(stateQuery)).lastActivityAt);
  expect(touched - t0).toBeGreaterThanOrEqual(50 * MIN);
  await getEnv().sleep('55m'); // 1h45 after entry, 55m after the call: no escalation yet
  expect(escalations(await h.query(stateQuery))).toHaveLength(0);
  await getEnv().sleep('10m');
  let s = await h.query(stateQuery);
  expect(escalations(s)).toHaveLength(1);
  expectAt(escalations(s)[0].at, touched + HOUR);
  // after level 1, a stage change resets to level 0 and the new stage's threshold (7d → alpha has none for presentation: 5d)
  await h.executeUpdate(moveStageUpdate, { args: [{ to: 'presentation', actor: 'alice' }] });
  s = await h.query(stateQuery);
  expect(s.escalation.level).toBe(0);
  expectAt(s.escalation.nextAt!, Date.parse(s.lastActivityAt) + 5 * 24 * HOUR);
  expect((await h.describe()).typedSearchAttributes.get(SA.escalationLevel)).toBe(0);
});

test('a shorter threshold pushed mid-stall fires promptly', async () => {
  const { h, t0 } = await leadInApproach('shorter');
  await getEnv().sleep('10m');
  await h.signal(thresholdsChangedSignal, doc(2, '20m'));
  await getEnv().sleep('15m');
  const s = await h.query(stateQuery);
  const e = escalations(s);
  expect(e).toHaveLength(1);
  expectAt(e[0].at, t0 + 20 * MIN);
  expect(e[0].data).toMatchObject({ level: 1, thresholdVersion: 2 });
  expect(s.history.find((x) => x.type === 'config_applied')?.cause).toMatch(
    /v2 applied \(pushed on change\): approach 1h → 20m/,
  );
});

test('a shorter threshold whose time has already passed fires at once', async () => {
  const { h, t0 } = await leadInApproach('overdue');
  await getEnv().sleep('30m');
  await h.signal(thresholdsChangedSignal, doc(2, '20m'));
  await getEnv().sleep('1m');
  const e = escalations(await h.query(stateQuery));
  expect(e).toHaveLength(1);
  expectAt(e[0].at, t0 + 30 * MIN);
});

test('a longer threshold postpones the ladder when the timer fires', async () => {
  const { h, t0 } = await leadInApproach('longer');
  await getEnv().sleep('30m');
  current = doc(3, '2h'); // changed in the store; no signal for a longer threshold
  await getEnv().sleep('1h');
  let s = await h.query(stateQuery);
  expect(escalations(s)).toHaveLength(0);
  expect(s.thresholds?.version).toBe(3);
  expectAt(s.escalation.nextAt!, t0 + 2 * HOUR);
  await getEnv().sleep('1h');
  s = await h.query(stateQuery);
  const e = escalations(s);
  expect(e).toHaveLength(1);
  expectAt(e[0].at, t0 + 2 * HOUR);
  expect(e[0].data).toMatchObject({ thresholdVersion: 3, thresholdMs: 2 * HOUR });
});
