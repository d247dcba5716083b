/** objections: a task carrying the objection notes from the move into this stage. */
import type { StageContext } from '../context';

export async function onObjections(ctx: StageContext): Promise<void> {
  const s = ctx.state;
  const entry = [...s.history].reverse().find((h) => h.type === 'stage_changed' && h.to === 'objections');
  const notes = entry?.data?.note ? String(entry.data.note) : 'No notes were given with the move.';
  await ctx.task({
    kind: 'objection',
    title: `Handle the objections of ${s.company ?? s.name ?? s.email}`,
    details: notes,
    priority: 'high',
  });
}
