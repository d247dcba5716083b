/** approach: first contact. The follow-up email cadence hooks in here. */
import type { StageContext } from '../context';

export async function onApproach(ctx: StageContext): Promise<void> {
  await ctx.once('entered', async () => ctx.record({ type: 'automation', cause: 'approach: first contact', actor: 'system' }));
}
