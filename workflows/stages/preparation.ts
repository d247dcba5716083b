/** preparation: research before contact — a task for the owner with what we know about the lead. */
import type { StageContext } from '../context';

export async function onPreparation(ctx: StageContext): Promise<void> {
  const s = ctx.state;
  await ctx.task({
    kind: 'research',
    title: `Research ${s.company ?? s.email} before first contact`,
    details:
      `Review the account before reaching out. Score: ${s.score ?? 'not scored'}. ${s.scoreReasons.join('; ')}`.trim(),
    data: {
      company: s.company ?? null,
      email: s.email,
      enrichment: s.enrichment,
      score: s.score,
      scoreReasons: s.scoreReasons,
    },
  });
}
