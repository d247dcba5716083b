/**
 * Which of a lead's tasks still apply, and the sweeper that cancels the ones that do not
 * (README "How tasks reach people" → "Tasks that no longer apply"). Every task here is one the
 * lead's own automation made (they are in `state.tasks`); nothing else is cancelled.
 *
 * - A stage task (`<lead>.<entry>.<kind>`: research, call, demo, objection, closing) applies while
 *   the lead is in that stage entry and open. Leaving the stage (a move, a step back, won) or
 *   closing the deal (lost, disqualified) cancels it.
 * - An escalation task (`<lead>.<entry>.stall<seq>.l<level>.<kind>`: stall, escalation,
 *   reassigned) applies while that stall lasts: activity on the lead (which resets the
 *   escalation), leaving the stage or closing the deal cancels it.
 * - A follow-up task (check-in, detractor, passive: made in the `follow_up` entry the win opened)
 *   is the after-sale work itself: it applies until it is done, also after the lead is `completed`.
 *
 * Each cancellation is recorded on the lead's timeline with why, is a `task.cancelled` event on the
 * task stream (written by the store with the change) and is delivered to the team's webhook
 * (docs/TASK-EVENTS.md). The change is behind `patched('task-cancel')`: a lead whose history was
 * recorded without it keeps its old behaviour (only lost/disqualified cancel, all at once).
 */
import { CancellationScope, condition, patched } from '@temporalio/workflow';
import type { ClaimTaskRequest, HistoryEntry, LeadState, TaskRef } from './types';
import { failure } from './policy/errors';
import { acceptsActivity } from './policy/transitions';
import { acts } from './proxies';
import { inBackground } from './background';
import type { Lead } from './lead/state';

const TASK_CANCEL_PATCH = 'task-cancel';

type Record_ = (e: Omit<HistoryEntry, 'at' | 'actor'> & { actor?: string }) => void;

/** What a task's deterministic id says about it (ids are made in context.ts and stall.ts). */
function taskOrigin(leadId: string, taskId: string): { entry: number; stall?: number } | undefined {
  if (!taskId.startsWith(`${leadId}.`)) return undefined;
  const m = /^(\d+)\.(?:stall(\d+)\.l\d+\.)?[^.]/.exec(taskId.slice(leadId.length + 1));
  if (!m) return undefined;
  return { entry: Number(m[1]), stall: m[2] === undefined ? undefined : Number(m[2]) };
}

/** Why a still-open task of the lead no longer applies, or undefined while it does. */
function whyNoLongerApplies(state: LeadState, ref: TaskRef): string | undefined {
  if (ref.closed) return undefined;
  const origin = taskOrigin(state.id, ref.id);
  if (!origin) return undefined; // not one the automation made the usual way: left alone
  const closedAs = state.status === 'lost' || state.status === 'disqualified' ? state.status : undefined;
  if (origin.stall !== undefined) {
    if (closedAs) return `the deal is ${closedAs}`;
    if (state.status === 'won' || state.status === 'completed') return 'the deal was won';
    if (origin.entry !== state.stageEntry) return `the lead moved on to ${state.stage}`;
    if (origin.stall !== state.activitySeq) return 'activity on the lead reset the stall';
    return undefined;
  }
  if (closedAs) return `the deal is ${closedAs}`;
  if (origin.entry === state.stageEntry) return undefined;
  if (state.status === 'won' || state.status === 'completed')
    return origin.entry < state.stageEntry ? 'the deal was won' : undefined;
  return `the lead left the stage that made it (now in ${state.stage})`;
}

/** The lead's open tasks that no longer apply, with why, in the order they were made. */
function staleTasks(state: LeadState): { ref: TaskRef; reason: string }[] {
  const out: { ref: TaskRef; reason: string }[] = [];
  for (const ref of state.tasks) {
    const reason = whyNoLongerApplies(state, ref);
    if (reason) out.push({ ref, reason });
  }
  return out;
}

let enabled: boolean | undefined;
/** Whether this run cancels tasks that no longer apply (memoised: patched() is asked once per run). */
export function taskCancelEnabled(): boolean {
  enabled ??= patched(TASK_CANCEL_PATCH);
  return enabled;
}

/**
 * Cancels the lead's tasks that no longer apply whenever there are some, until stopped. `settle()`
 * stops it after a last sweep (before continue-as-new and when the lead closes). Cancelling is
 * idempotent end to end: the store changes a task only while it is open (one stream event), the
 * timeline entry is written once per task (its ref is marked), and the webhook delivery id is
 * `<taskId>:task.cancelled`.
 */
export function startTaskSweeper(state: LeadState, record: Record_): { settle(): Promise<void> } {
  let stopping = false;
  const loop = (async () => {
    for (;;) {
      await condition(() => stopping || staleTasks(state).length > 0);
      const batch = staleTasks(state);
      if (batch.length === 0 || !taskCancelEnabled()) return;
      await cancelBatch(state, record, batch);
    }
  })();
  return {
    async settle() {
      stopping = true;
      await loop;
    },
  };
}

async function cancelBatch(
  state: LeadState,
  record: Record_,
  batch: { ref: TaskRef; reason: string }[],
): Promise<void> {
  let result: Awaited<ReturnType<typeof acts.cancelTasks>>;
  try {
    result = await acts.cancelTasks({
      leadId: state.id,
      actor: 'system',
      tasks: batch.map((b) => ({ id: b.ref.id, reason: b.reason })),
    });
  } catch (err) {
    // only a non-retryable error gets here (retryable ones are retried): record it, never loop on it
    for (const b of batch) b.ref.closed = 'missing';
    record({
      type: 'automation_failed',
      cause: `${batch.length} task(s) that no longer apply could not be cancelled: ${(err as Error).message}`,
    });
    return;
  }
  for (const { id, status } of result) {
    const b = batch.find((x) => x.ref.id === id);
    if (!b || b.ref.closed) continue;
    b.ref.closed = status;
    if (status !== 'cancelled') continue;
    record({
      type: 'task_cancelled',
      cause: `task ${id} (${b.ref.kind}) cancelled: ${b.reason}`,
      data: { taskId: id, kind: b.ref.kind, assignee: b.ref.assignee },
    });
    inBackground(
      () => acts.deliverTaskWebhook({ taskId: id, event: 'task.cancelled' }),
      (err) =>
        record({
          type: 'automation_failed',
          cause: `task ${id} cancellation could not be delivered to the team webhook: ${err.message}`,
        }),
    );
  }
}

/**
 * Validates a claim (README "How tasks reach people"): the caller may claim for `rep` (the rep
 * themself, the lead team's manager, an admin), the deal still takes activity, and the lead is in
 * its team queue — or already the rep's (a retried claim). Throws a Forbidden failure (403) or a
 * plain error (409) naming no other person.
 */
export function validateClaim(state: LeadState, { taskId, rep, actor, access }: ClaimTaskRequest): void {
  if (access) {
    const ok =
      access.role === 'admin' ||
      (access.role === 'manager' && access.scope === state.team) ||
      (access.role === 'rep' && access.scope === rep);
    if (!ok) throw failure('forbidden', `${actor} may not claim tasks of lead ${state.id}`);
  }
  if (!taskId || !rep || !actor)
    throw failure('invalid_input', 'a task, a rep and an actor are required', {
      field: !taskId ? 'taskId' : !rep ? 'rep' : 'actor',
    });
  if (!state.tasks.some((t) => t.id === taskId))
    throw failure('task_not_open', `task ${taskId} is not a task of lead ${state.id}`);
  if (!acceptsActivity(state.status)) throw failure('closed', `the deal is ${state.status}; it cannot be claimed`);
  if (state.owner !== rep && state.owner !== `queue:${state.team}`)
    throw failure('claimed_first', `lead ${state.id} is no longer in the team queue: it was claimed first`);
}

/**
 * Hands the lead to the rep who claimed one of its queue tasks: the owner changes (recorded as a
 * reassignment "claimed task X"), and every open task still in the queue goes to the rep with it.
 * A repeat (the rep owns the lead already) changes nothing.
 */
export async function claimLead(lead: Lead, { taskId, rep, actor }: ClaimTaskRequest): Promise<void> {
  const { state } = lead;
  if (state.owner === rep) return;
  const from = state.owner;
  lead.reassign(
    rep,
    {
      type: 'reassigned',
      from,
      to: rep,
      actor,
      cause: `claimed task ${taskId}: the lead moves from ${from} to ${rep}`,
      data: { taskId, from, to: rep },
    },
    { openTasksOnly: true },
  );
  await CancellationScope.nonCancellable(() => acts.handOverQueueTasks({ leadId: state.id, from, to: rep, actor }));
}
