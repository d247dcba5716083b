/**
 * The approach cadence on the time-skipping server: the default cadence (0, 2d, 3d, 4d after the
 * previous step; Mon–Fri 09:00–17:00) for a lead in America/New_York entering approach on the
 * Friday before a DST change, with every send time asserted exactly; a reply or an unsubscribe
 * mid-cadence stops it; nothing is ever sent outside the business window.
 */
import { leadWorkflow } from '../../workflows/lead.workflow';
import { customerRepliedSignal, moveStageUpdate, stateQuery, unsubscribedSignal } from '../../workflows/messages';
import type { LeadState } from '../../workflows/types';
import { activityMocks } from '../support/activity-mocks';
import { useTimeSkippingWorker } from '../support/time-skipping';

jest.setTimeout(120_000);
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const activities = activityMocks();
const taskQueue = 'cadence-test';

// US daylight-saving changes (second Sunday of March, first Sunday of November), 02:00 local
const US_DST_SUNDAYS: [string, 'spring' | 'fall'][] = [
  ['2026-11-01', 'fall'],
  ['2027-03-14', 'spring'],
  ['2027-11-07', 'fall'],
  ['2028-03-12', 'spring'],
  ['2028-11-05', 'fall'],
  ['2029-03-11', 'spring'],
  ['2029-11-04', 'fall'],
  ['2030-03-10', 'spring'],
  ['2030-11-03', 'fall'],
];

const getEnv = useTimeSkippingWorker(taskQueue, activities);

async function startInProspecting(id: string, timezone = 'America/New_York') {
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
          timezone,
          locale: 'en',
          value: 1,
          currency: 'USD',
          tags: [],
        },
      },
    ],
  });
  await h.query(stateQuery);
  return h;
}
const sentAt = (s: LeadState) => s.history.filter((e) => e.type === 'email_sent').map((e) => Date.parse(e.at));
const inNewYorkBusinessHours = (ms: number) => {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  const minutes = Number(get('hour')) * 60 + Number(get('minute'));
  return !['Sat', 'Sun'].includes(get('weekday')) && minutes >= 9 * 60 && minutes < 17 * 60;
};

test('the default cadence across a DST change: every send time exact, all inside business hours', async () => {
  const now = await getEnv().currentTimeMs();
  const [sunday, kind] = US_DST_SUNDAYS.find(([d]) => Date.parse(`${d}T00:00:00Z`) > now + 3 * DAY)!;
  const offBefore = kind === 'spring' ? -5 : -4; // hours from UTC
  const offAfter = kind === 'spring' ? -4 : -5;
  const sundayUtc = Date.parse(`${sunday}T00:00:00Z`);
  const fridayLocal1630 = sundayUtc - 2 * DAY + 16.5 * HOUR - offBefore * HOUR;
  const mondayAfter0900 = sundayUtc + 1 * DAY + 9 * HOUR - offAfter * HOUR;

  const h = await startInProspecting('dst');
  await getEnv().sleep(fridayLocal1630 - (await getEnv().currentTimeMs()));
  await h.executeUpdate(moveStageUpdate, { args: [{ to: 'approach', actor: 'alice' }] });
  const entered = Date.parse((await h.query(stateQuery)).stageEnteredAt);
  expect(Math.abs(entered - fridayLocal1630)).toBeLessThan(5_000);

  await getEnv().sleep(12 * DAY);
  const s = await h.query(stateQuery);
  const planned = s.emails.map((e) => e.plannedAt);
  expect(planned).toEqual([
    new Date(entered).toISOString(), // step 1 at once: Friday 16:30 is inside the window
    new Date(mondayAfter0900).toISOString(), // +2d lands on Sunday (after the change) → Monday 09:00 local
    new Date(mondayAfter0900 + 3 * DAY).toISOString(), // +3d → Thursday 09:00
    new Date(mondayAfter0900 + 7 * DAY).toISOString(), // +4d → Monday 09:00
  ]);
  expect(s.emails.map((e) => e.template)).toEqual([
    'approach_intro',
    'approach_followup_1',
    'approach_followup_2',
    'approach_breakup',
  ]);
  // they really went out then (workflow time of each send), never outside the window
  const at = sentAt(s);
  expect(at).toHaveLength(4);
  at.forEach((t, i) => expect(t - Date.parse(planned[i]!)).toBeLessThan(5_000));
  for (const t of at) expect(inNewYorkBusinessHours(t)).toBe(true);
  // the UTC hour shows the offset change
  expect(new Date(mondayAfter0900).getUTCHours()).toBe(9 - offAfter);
  // after the last step, the owner has a call task
  expect(s.tasks.some((t) => t.kind === 'call' && t.assignee === 'alice')).toBe(true);
});

test('a reply mid-cadence stops it', async () => {
  const h = await startInProspecting('replier', 'UTC');
  await h.executeUpdate(moveStageUpdate, { args: [{ to: 'approach', actor: 'alice' }] });
  await getEnv().sleep(3 * DAY); // at least the first email is out
  const before = (await h.query(stateQuery)).emails.length;
  expect(before).toBeGreaterThanOrEqual(1);
  await h.signal(customerRepliedSignal, { actor: 'customer', via: 'inbound_email' });
  await getEnv().sleep(20 * DAY);
  const s = await h.query(stateQuery);
  expect(s.emails).toHaveLength(before);
  expect(s.history.some((e) => e.cause === 'cadence stopped: the customer replied')).toBe(true);
  expect(s.tasks.some((t) => t.kind === 'call')).toBe(false);
});

test('an unsubscribe mid-cadence stops it', async () => {
  const h = await startInProspecting('leaver', 'Asia/Tehran');
  await h.executeUpdate(moveStageUpdate, { args: [{ to: 'approach', actor: 'alice' }] });
  await getEnv().sleep(3 * DAY);
  const before = (await h.query(stateQuery)).emails.length;
  await h.signal(unsubscribedSignal, { email: 'leaver@customer.test', reason: 'unsubscribed' });
  await getEnv().sleep(20 * DAY);
  const s = await h.query(stateQuery);
  expect(s.emails).toHaveLength(before);
  expect(s.suppressed).toBe('unsubscribed');
  expect(s.history.some((e) => e.cause === 'cadence stopped: the address is unsubscribed')).toBe(true);
});
