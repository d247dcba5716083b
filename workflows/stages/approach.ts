/**
 * approach: first contact — the follow-up email cadence (docs/ARCHITECTURE.md §9). Each step's send time comes from
 * the previous step's, pushed into the cadence's business hours in the lead's time zone. The
 * cadence is re-read before every step, so a change reaches the lead at its next step. It stops on
 * a reply, an unsubscribe or bounce, or a stage change (the scope is cancelled); after the last
 * step the owner gets a call task.
 */
import { patched } from '@temporalio/workflow';
import { nextStepTime } from '../policy/cadence';
import type { StageContext } from '../context';
import { reads } from '../proxies';
import { nowMs } from '../clock';
import { campaignGate } from '../campaign';

export async function onApproach(ctx: StageContext): Promise<void> {
  const s = ctx.state;
  const enteredAt = Date.parse(s.stageEnteredAt);
  const replied = () => !!s.lastReplyAt && Date.parse(s.lastReplyAt) >= enteredAt;
  const cancelled = () =>
    !!s.campaign && s.campaignControl?.campaign === s.campaign && s.campaignControl.state === 'cancelled';
  const stop = () => replied() || !!s.suppressed || cancelled();
  let prev = enteredAt;
  for (let i = 0; ; i++) {
    const { name, version, cadence } = await reads.getCadence({ name: s.cadence ?? 'default' });
    if (i >= cadence.steps.length) break;
    const key = `approach:${i}`;
    const sent = s.emails.find((e) => e.step === `${ctx.entry}:${key}`);
    if (sent) {
      prev = Date.parse(sent.plannedAt ?? sent.sentAt);
      continue;
    }
    const step = cadence.steps[i];
    let { sendAtMs } = nextStepTime(prev, step, cadence.businessHours, s.timezone);
    let stopped = false;
    for (;;) {
      if (await ctx.waitUntil(`email:${step.template}`, sendAtMs, stop)) {
        stopped = true;
        break;
      }
      // a campaign's lead: a paused campaign holds the send until it is resumed (README "Nurture flows")
      if (!s.campaign || !patched('campaign-hold')) break;
      const gate = await campaignGate(ctx, step.template, stop);
      if (gate === 'go') break;
      if (gate === 'held') {
        // resumed: send now, or at the next business hour if now is outside them
        sendAtMs = Math.max(
          sendAtMs,
          nextStepTime(nowMs(), { after: '0s' }, cadence.businessHours, s.timezone).sendAtMs,
        );
        continue;
      }
      stopped = true; // cancelled, or stop() held while it was held
      break;
    }
    if (stopped) break;
    const res = await ctx.email({
      key,
      template: step.template,
      vars: { step: i + 1, cadence: name, cadenceVersion: version },
      plannedAtMs: sendAtMs,
    });
    if (res === 'suppressed') break;
    prev = sendAtMs;
  }
  if (replied()) {
    await ctx.once('cadence-stopped', async () =>
      ctx.record({ type: 'automation', cause: 'cadence stopped: the customer replied' }),
    );
    return;
  }
  if (cancelled()) {
    await ctx.once('cadence-stopped', async () =>
      ctx.record({ type: 'automation', cause: `cadence stopped: campaign ${s.campaign} was cancelled` }),
    );
    return;
  }
  if (s.suppressed) {
    await ctx.once('cadence-stopped', async () =>
      ctx.record({ type: 'automation', cause: `cadence stopped: the address is ${s.suppressed}` }),
    );
    return;
  }
  await ctx.task({
    kind: 'call',
    title: `Call ${s.name ?? s.email}${s.company ? ` (${s.company})` : ''}: the email cadence is done`,
    details: `No reply after ${s.emails.filter((e) => e.step.startsWith(`${ctx.entry}:approach:`)).length} emails. Call the lead.`,
  });
}
