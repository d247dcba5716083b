/** follow_up: after the purchase. */
import type { StageContext } from '../context';

export async function onFollowUp(ctx: StageContext): Promise<void> {
  await ctx.once('entered', async () => ctx.record({ type: 'automation', cause: 'follow_up: customer won', actor: 'system' }));
}
