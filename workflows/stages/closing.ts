/** closing: the call to action — a proposal email with an expiry, a reminder before it expires, and a closing task. */
import type { StageContext } from '../context';
import { durationMs } from '../policy/duration';
import { nowMs } from '../clock';

export async function onClosing(ctx: StageContext): Promise<void> {
  const s = ctx.state;
  await ctx.task({
    kind: 'closing',
    title: `Close the deal with ${s.company ?? s.name ?? s.email}`,
    details: `Value ${s.value} ${s.currency}. Ask for the signature and agree the start date.`,
    priority: 'high',
  });
  const validity = durationMs(ctx.settings.proposalValidity ?? '14d');
  const reminderBefore = durationMs(ctx.settings.proposalReminderBefore ?? '2d');
  const expiresAt = Date.parse(s.stageEnteredAt) + validity;
  const vars = { expiresAt: new Date(expiresAt).toISOString(), amount: s.value, currency: s.currency };
  await ctx.email({ key: 'closing:proposal', template: 'proposal', vars });
  const remindAt = expiresAt - reminderBefore;
  if (remindAt <= nowMs()) return;
  const stopped = await ctx.waitUntil('email:proposal_reminder', remindAt, () => !!s.suppressed);
  if (!stopped) await ctx.email({ key: 'closing:reminder', template: 'proposal_reminder', vars });
}
