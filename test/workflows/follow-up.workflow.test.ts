/**
 * After the sale, on the time-skipping server: thank-you at once, the survey at +14d, one reminder
 * at +17d, no response recorded at +20d, check-ins at +30d and +90d, then `completed`; and an
 * answer routed by NPS class — detractor → manager task, passive → owner task, promoter → referral
 * request email.
 */
import { leadWorkflow } from '../../workflows/lead.workflow';
import { markWonUpdate, stateQuery, surveyAnsweredSignal } from '../../workflows/messages';
import type { LeadState } from '../../workflows/types';
import { activityMocks } from '../support/activity-mocks';
import { useTimeSkippingWorker } from '../support/time-skipping';

jest.setTimeout(120_000);
const DAY = 86_400_000;
const activities = activityMocks();
const taskQueue = 'follow-up-test';

const getEnv = useTimeSkippingWorker(taskQueue, activities);

async function wonLead(id: string) {
  const h = await getEnv().client.workflow.start(leadWorkflow, {
    taskQueue,
    workflowId: `lead-${id}`,
    args: [
      {
        lead: {
          id,
          email: `${id}@customer.test`,
          owner: 'alice',
          team: 'alpha',
          timezone: 'UTC',
          locale: 'en',
          value: 1,
          currency: 'USD',
          tags: [],
          stage: 'closing',
        },
      },
    ],
  });
  await h.executeUpdate(markWonUpdate, { args: [{ actor: 'alice', amount: 100 }] });
  const wonAt = Date.parse((await h.query(stateQuery)).stageEnteredAt);
  return { h, wonAt };
}
const emailTimes = (s: LeadState) =>
  Object.fromEntries(
    s.history.filter((e) => e.type === 'email_sent').map((e) => [String(e.data?.template), Date.parse(e.at)]),
  );
const near = (actual: number | undefined, expected: number) =>
  expect(Math.abs((actual ?? NaN) - expected)).toBeLessThan(5_000);

test('no answer: survey at +14d, reminder at +17d, no response at +20d, check-ins at +30d and +90d, then completed', async () => {
  const { h, wonAt } = await wonLead('silent');
  await getEnv().sleep(13 * DAY);
  let s = await h.query(stateQuery);
  near(emailTimes(s).thank_you, wonAt);
  expect(emailTimes(s).survey).toBeUndefined();
  await getEnv().sleep(8 * DAY);
  s = await h.query(stateQuery);
  near(emailTimes(s).survey, wonAt + 14 * DAY);
  near(emailTimes(s).survey_reminder, wonAt + 17 * DAY);
  const noResponse = s.history.find((e) => e.cause === 'satisfaction survey: no response after the reminder');
  near(noResponse && Date.parse(noResponse.at), wonAt + 20 * DAY);
  expect(s.survey?.outcome).toBe('no_response');
  expect(activities.recordSurveySent).toHaveBeenCalledWith({ leadId: 'silent', team: 'alpha' });

  await getEnv().sleep(70 * DAY);
  const result = await h.result();
  expect(result.status).toBe('completed');
  s = await h.query(stateQuery);
  const checkIns = s.history.filter((e) => e.type === 'task_created' && /check_in/.test(String(e.data?.taskId)));
  expect(checkIns).toHaveLength(2);
  near(Date.parse(checkIns[0].at), wonAt + 30 * DAY);
  near(Date.parse(checkIns[1].at), wonAt + 90 * DAY);
  near(Date.parse(s.history.at(-1)!.at), wonAt + 90 * DAY);
  expect(s.history.at(-1)).toMatchObject({ type: 'completed' });
});

test.each([
  [3, 'detractor', 'mia'],
  [8, 'passive', 'alice'],
])('a score of %i (%s) creates a task for %s', async (score, kind, assignee) => {
  const { h, wonAt } = await wonLead(`answer-${kind}`);
  await getEnv().sleep(15 * DAY);
  await h.signal(surveyAnsweredSignal, { score, comment: 'it is ok', at: new Date(wonAt + 15 * DAY).toISOString() });
  await getEnv().sleep(1 * DAY);
  const s = await h.query(stateQuery);
  const task = activities.createTask.mock.calls
    .map(([t]) => t)
    .find((t) => t.leadId === `answer-${kind}` && t.kind === kind)!;
  expect(task).toMatchObject({ assignee });
  if (kind === 'detractor')
    expect(Date.parse(task.dueAt) - Date.parse(s.survey!.answer!.at)).toBeLessThanOrEqual(DAY + 5_000);
  expect(s.survey?.outcome).toBe('answered');
  expect(emailTimes(s).survey_reminder).toBeUndefined(); // answered before the reminder
});

test('a promoter (10) gets the referral request email', async () => {
  const { h, wonAt } = await wonLead('answer-promoter');
  await getEnv().sleep(18 * DAY); // after the reminder
  await h.signal(surveyAnsweredSignal, { score: 10, at: new Date(wonAt + 18 * DAY).toISOString() });
  await getEnv().sleep(1 * DAY);
  const s = await h.query(stateQuery);
  near(emailTimes(s).referral_request, wonAt + 18 * DAY);
  expect(s.survey?.outcome).toBe('answered');
  expect(s.history.some((e) => e.cause.startsWith('satisfaction survey: no response'))).toBe(false);
});
