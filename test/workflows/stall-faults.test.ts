/**
 * The stall watcher under faults (issue 17 items 1 and 3), on the time-skipping server:
 *
 * - a stage move that lands while an escalation's task is being written (the task write held open)
 *   changes nothing the escalation sends: one owner reminder per stage, each under its own stage
 *   entry's step key and naming its own stage;
 * - a threshold whose escalation time is no date (one the API now refuses, stored before) does not
 *   end the watcher: the error is on the timeline once, and a lowered threshold escalates the lead.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { activityMocks } from '../support/activity-mocks';
import { leadWorkflow } from '../../workflows/lead.workflow';
import { moveStageUpdate, stateQuery, thresholdsChangedSignal } from '../../workflows/messages';
import type { ThresholdsDoc } from '../../workflows/policy/thresholds';
import type { NewTask, Task } from '../../store/tasks/task';
import type { LeadState } from '../../workflows/types';
import { useTimeSkippingWorker } from '../support/time-skipping';

jest.setTimeout(300_000);
const taskQueue = 'stall-faults-test';

/** Polls the lead's state until `ok` holds (a busy machine may answer a query before the next workflow task ran). */
async function stateWhen(h: WorkflowHandle<typeof leadWorkflow>, ok: (s: LeadState) => boolean): Promise<LeadState> {
  let s = await h.query(stateQuery);
  for (let i = 0; i < 100 && !ok(s); i++) {
    await new Promise((r) => setTimeout(r, 200));
    s = await h.query(stateQuery);
  }
  return s;
}

function doc(version: number, stages: Record<string, string>): ThresholdsDoc {
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
    teams: { alpha: stages },
    escalation: { multipliers: [1, 2, 3], autoReassign: false },
  };
}

let current = doc(1, { approach: '1h', presentation: '1h' });
/** while set, a stall task's write waits for it (the task store held, as with Redis stopped) */
let hold: Promise<void> | undefined;
let held: (() => void) | undefined;
/** the next stall task write fails for good (an error retrying cannot fix) */
let failStallTask = false;
const mocks = activityMocks();
const activities = {
  ...mocks,
  getThresholds: jest.fn(async () => current),
  createTask: jest.fn(async (t: NewTask): Promise<Task> => {
    if (t.id.includes('.stall') && failStallTask) {
      failStallTask = false;
      throw ApplicationFailure.nonRetryable(`task ${t.id} refused`, 'InvalidInputError');
    }
    if (t.id.includes('.stall') && hold) {
      const h = hold;
      held?.();
      await h;
    }
    return { ...t, status: 'open', createdAt: new Date().toISOString() };
  }),
};
const getEnv = useTimeSkippingWorker(taskQueue, activities);

beforeEach(() => {
  jest.clearAllMocks();
  mocks.sent.length = 0;
  hold = undefined;
  held = undefined;
});

async function leadIn(id: string, stage: string): Promise<WorkflowHandle<typeof leadWorkflow>> {
  return getEnv().client.workflow.start(leadWorkflow, {
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
          stage: stage as 'approach',
        },
      },
    ],
  });
}
const reminders = () => mocks.sent.filter((r) => r.template === 'stall_reminder_owner');
const escalations = (s: LeadState) => s.history.filter((e) => e.type === 'escalation');

test('a move while the escalation task is being written: one reminder per stage, each naming its own stage', async () => {
  current = doc(1, { approach: '1h', presentation: '1h' });
  let release!: () => void;
  hold = new Promise<void>((r) => (release = r));
  const taskHeld = new Promise<void>((r) => (held = r));
  const h = await leadIn('race', 'approach');
  const s0 = await h.query(stateQuery);

  // the level-1 escalation fires after 1h and its task write is held open
  await getEnv().sleep('61m');
  await taskHeld;
  expect(escalations(await h.query(stateQuery))).toHaveLength(1);
  // the move lands while the escalation is inside its task write
  await h.executeUpdate(moveStageUpdate, { args: [{ to: 'presentation', actor: 'alice' }] });
  hold = undefined;
  release();

  // the new stage stalls for its own hour and reminds once more
  await getEnv().sleep('62m');
  const s = await stateWhen(h, (x) => escalations(x).length >= 2);
  expect(escalations(s).map((e) => e.cause)).toEqual([
    expect.stringMatching(/in approach/),
    expect.stringMatching(/in presentation/),
  ]);

  const got = reminders();
  expect(got.map((r) => r.vars?.stage)).toEqual(['approach', 'presentation']);
  // each under its own stage entry and stall: the first at entry 1 (seq 0), the second at entry 2
  expect(got[0].step).toBe(`${s0.stageEntry}:stall${s0.activitySeq}:l1`);
  expect(got[1].step).toBe(`${s0.stageEntry + 1}:stall${s0.activitySeq + 1}:l1`);
  expect(new Set(got.map((r) => r.step)).size).toBe(2);
  // and the stall tasks carry the stage entry they belong to
  // (the held write may be retried after its timeout: the same id, idempotent in the store)
  const stallTasks = [
    ...new Map(
      activities.createTask.mock.calls
        .map(([t]) => t)
        .filter((t) => t.id.includes('.stall'))
        .map((t) => [t.id, t]),
    ).values(),
  ];
  expect(stallTasks.map((t) => t.id)).toEqual([
    `race.${s0.stageEntry}.stall${s0.activitySeq}.l1.stall`,
    `race.${s0.stageEntry + 1}.stall${s0.activitySeq + 1}.l1.stall`,
  ]);
  expect(stallTasks.map((t) => t.title)).toEqual([
    expect.stringMatching(/in approach$/),
    expect.stringMatching(/in presentation$/),
  ]);
});

test('a threshold too long for a date: the watcher error is recorded once, and a lowered threshold escalates', async () => {
  // stored before the API refused it (the PUT route now answers 400 for it)
  current = doc(1, { approach: '100000000d' });
  const h = await leadIn('huge', 'approach');
  await getEnv().sleep('2h');
  let s = await stateWhen(h, (x) => x.history.some((e) => e.type === 'automation_failed'));
  const errors = s.history.filter((e) => e.type === 'automation_failed' && /stall detection error/.test(e.cause));
  expect(errors).toHaveLength(1);
  expect(errors[0].cause).toMatch(/Invalid time value/);
  expect(escalations(s)).toHaveLength(0);

  // an hour later it tries again and meets the same error: not recorded twice
  await getEnv().sleep('2h');
  s = await h.query(stateQuery);
  expect(s.history.filter((e) => e.type === 'automation_failed')).toHaveLength(1);

  // the threshold is lowered (pushed, as the propagation does): the lead, idle 4h, is past
  // 1×, 2× and 3× of 1h, so every level fires at once, each once
  current = doc(2, { approach: '1h' });
  await h.signal(thresholdsChangedSignal, current);
  await getEnv().sleep('1m');
  s = await stateWhen(h, (x) => escalations(x).length >= 3);
  expect(escalations(s).map((e) => e.data)).toEqual(
    [1, 2, 3].map((level) => ({ level, thresholdVersion: 2, thresholdMs: 3_600_000 })),
  );
  expect(reminders().map((r) => r.vars?.stage)).toEqual(['approach']);
});

test('an escalation whose task fails for good is recorded, and the next level still fires', async () => {
  current = doc(1, { approach: '1h' });
  failStallTask = true;
  const h = await leadIn('taskfails', 'approach');
  await getEnv().sleep('150m');
  const s = await stateWhen(h, (x) => escalations(x).length >= 2);
  expect(s.history.filter((e) => e.type === 'automation_failed').map((e) => e.cause)).toEqual([
    expect.stringMatching(/^stall detection error: task taskfails\.1\.stall0\.l1\.stall refused/),
  ]);
  expect(escalations(s).map((e) => e.data?.level)).toEqual([1, 2]);
});
