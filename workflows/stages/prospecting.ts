/**
 * prospecting: find and qualify the lead — normalise the address, check its domain's MX, look for a
 * duplicate, compute the fit score; company enrichment then runs beside the lead (enrichment.ts).
 */
import { CancellationScope } from '@temporalio/workflow';
import type { StageContext } from '../context';
import { acts } from '../proxies';
import { rescore } from '../scoring';

export async function onProspecting(ctx: StageContext): Promise<void> {
  const s = ctx.state;
  await ctx.once('collect', async () => {
    const data = await CancellationScope.nonCancellable(() => acts.collectLeadData({ leadId: s.id, email: s.email }));
    s.enrichment = {
      ...(s.enrichment ?? {}),
      domain: data.domain,
      freeMail: data.freeMail,
      mx: data.mx,
      duplicateOf: data.duplicateOf,
    };
    if (!s.enrichmentStatus) s.enrichmentStatus = 'pending';
    ctx.record({
      type: 'automation',
      cause: `lead data collected: domain ${data.domain}${data.freeMail ? ' (free mail)' : ''}, MX ${data.mx}${data.duplicateOf ? `, same email as lead ${data.duplicateOf}` : ''}`,
      data: { domain: data.domain, mx: data.mx, duplicateOf: data.duplicateOf },
    });
    rescore(s, ctx.record);
  });
}
