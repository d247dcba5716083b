/** objections: a task carrying the objection notes, and a content email matched to the objection's category. */
import type { StageContext } from '../context';
import { objectionCategory } from '../policy/objections';

export async function onObjections(ctx: StageContext): Promise<void> {
  const s = ctx.state;
  const notes = ctx.note ?? 'No notes were given with the move.';
  const category = objectionCategory(notes);
  await ctx.task({
    kind: 'objection',
    title: `Handle the objections of ${s.company ?? s.name ?? s.email}`,
    details: notes,
    priority: 'high',
    data: { category },
  });
  await ctx.email({
    key: 'objections:content',
    template: `objection_content_${category}`,
    vars: { objectionCategory: category },
  });
}
