/** prospecting: find and qualify the lead. Data collection and fit scoring hook in here. */
import type { StageContext } from '../context';

export async function onProspecting(ctx: StageContext): Promise<void> {
  await ctx.once('entered', async () => ctx.record({ type: 'automation', cause: 'prospecting: lead qualification started', actor: 'system' }));
}
