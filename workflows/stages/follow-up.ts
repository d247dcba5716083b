/**
 * follow_up: after the purchase (README "What happens to a lead"). A thank-you email; the satisfaction survey after
 * `surveyAfter` with one reminder `surveyReminderAfter` later, and no response recorded one more
 * `surveyReminderAfter` after that; the answer routed by NPS class (detractor → manager task within
 * the SLA, passive → owner task, promoter → referral request); check-in tasks at each offset; then
 * the lead is `completed`. Times run from the moment the deal was won, with the follow-up settings
 * version read then.
 */
import type { StageContext } from '../context';
import { durationMs } from '../policy/duration';
import { npsClass } from '../policy/nps';
import { acts, reads } from '../proxies';

export async function onFollowUp(ctx: StageContext): Promise<void> {
  const s = ctx.state;
  const cfg = await reads.getFollowUp();
  s.survey = { ...(s.survey ?? {}) };
  if (s.survey.followUpVersion === undefined) s.survey.followUpVersion = cfg.version;
  const wonAt = Date.parse(s.stageEnteredAt);
  const who = s.company ?? s.name ?? s.email;
  const answered = () => !!s.survey?.answer;

  const checkIns = cfg.checkIns.map(async (offset, i) => {
    await ctx.sleepUntil(`check_in_${i + 1}`, wonAt + durationMs(offset));
    await ctx.task({
      kind: `check_in_${i + 1}`,
      title: `Check in with ${who} (${offset} after the sale)`,
      details: `How is it going? Look for problems early and for chances to grow the account.`,
      due: '2d',
    });
  });

  await ctx.waitUntil('email:thank_you', wonAt + durationMs(cfg.thankYou), () => false);
  await ctx.email({ key: 'follow_up:thank_you', template: 'thank_you' });

  const surveyAt = wonAt + durationMs(cfg.surveyAfter);
  const reminder = durationMs(cfg.surveyReminderAfter);
  if (!(await ctx.waitUntil('email:survey', surveyAt, answered))) {
    if ((await ctx.email({ key: 'follow_up:survey', template: 'survey' })) === 'sent') {
      s.survey.sentAt ??= new Date(surveyAt).toISOString();
      await ctx.once('survey-sent', () => acts.recordSurveySent({ leadId: s.id, team: s.team }));
    }
    if (!(await ctx.waitUntil('email:survey_reminder', surveyAt + reminder, answered))) {
      await ctx.email({ key: 'follow_up:survey_reminder', template: 'survey_reminder' });
      s.survey.reminderAt ??= new Date(surveyAt + reminder).toISOString();
      if (!(await ctx.waitUntil('survey_deadline', surveyAt + 2 * reminder, answered))) {
        await ctx.once('survey-no-response', async () => {
          s.survey!.outcome = 'no_response';
          ctx.record({ type: 'automation', cause: 'satisfaction survey: no response after the reminder' });
        });
      }
    }
  }

  const route = () =>
    ctx.once('survey-answer', async () => {
      const a = s.survey!.answer!;
      const cls = npsClass(a.score);
      const comment = a.comment ? `“${a.comment}”` : 'no comment';
      if (cls === 'detractor') {
        const people = await reads.lookupPeople({ owner: s.owner, team: s.team });
        await ctx.task({
          kind: 'detractor',
          assignee: people.manager?.id ?? `manager:${s.team}`,
          title: `Detractor: ${who} scored ${a.score}/10`,
          details: `Call the customer within ${cfg.detractorSla}: ${comment}`,
          due: cfg.detractorSla,
          priority: 'urgent',
        });
      } else if (cls === 'passive') {
        await ctx.task({
          kind: 'passive',
          title: `Passive: ${who} scored ${a.score}/10`,
          details: `Ask what would make it a 10: ${comment}`,
          priority: 'normal',
        });
      } else {
        await ctx.email({ key: 'follow_up:referral', template: 'referral_request', vars: { score: a.score } });
      }
    });
  if (answered()) await route();
  await Promise.all(checkIns);
  if (answered()) await route(); // an answer that came late, while the check-ins were pending

  await ctx.once('completed', async () =>
    ctx.close({ status: 'completed', cause: `follow-up done (settings v${s.survey?.followUpVersion ?? 0})` }),
  );
}
