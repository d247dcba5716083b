/** presentation: a task to schedule and deliver the demo, and a reminder email to the lead. */
import type { StageContext } from '../context';

export async function onPresentation(ctx: StageContext): Promise<void> {
  const s = ctx.state;
  await ctx.task({
    kind: 'demo',
    title: `Schedule and deliver the demo for ${s.company ?? s.name ?? s.email}`,
    details: 'Agree a time with the customer, prepare the demo for their use case and deliver it.',
  });
  await ctx.email({ key: 'presentation:reminder', template: 'presentation_reminder' });
}
