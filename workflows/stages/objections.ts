/** objections: a task carrying the objection notes, and a content email matched to the objection's category. */
import type { StageContext } from '../context';
import { objectionCategory } from '../policy/objections';

export async function onObjections(ctx: StageContext): Promise<void> {
  const s = ctx.state;
  const entry = [...s.history].reverse().find((h) => h.type === 'stage_changed' && h.to === 'objections');
  const notes = entry?.data?.note ? String(entry.data.note) : 'No notes were given with the move.';
  const category = objectionCategory(notes);
  await ctx.task({
    kind: 'objection',
    title: `Handle the objections of ${s.company ?? s.name ?? s.email}`,
    details: notes,
    priority: 'high',
    data: { category },
  });
  if (ctx.superseded()) return;
  await ctx.email({ key: 'objections:content', template: `objection_content_${category}`, vars: { objectionCategory: category } });
}
