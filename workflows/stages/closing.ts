/** closing: the call to action — a closing task for the owner. */
import type { StageContext } from '../context';

export async function onClosing(ctx: StageContext): Promise<void> {
  const s = ctx.state;
  await ctx.task({
    kind: 'closing',
    title: `Close the deal with ${s.company ?? s.name ?? s.email}`,
    details: `Value ${s.value} ${s.currency}. Ask for the signature and agree the start date.`,
    priority: 'high',
  });
}
