/**
 * The lead's stage runner (docs/ARCHITECTURE.md, "The lead workflow"): the loop that runs each stage
 * entry's automation in turn, beside the stall watcher and company enrichment, until the deal is
 * closed for good — then the closing tidy-up — or until the server suggests continue-as-new.
 *
 * Every stage entry is queued (state.pending) and its entry automation runs in order. An entry
 * that is already superseded when its turn comes runs in a cancelled scope: its immediate steps
 * (tasks) still happen — deterministically, however fast the moves came — while its timers do
 * not. A stage change cancels the running entry's timers. Continue-as-new keeps the queue.
 *
 * The order of every `await` here is part of each recorded history (test/replay): an extra await,
 * even of nothing, can reorder the commands of concurrent branches.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import type { Status } from '../../config/defaults';
import { makeContext, runStageAutomation, type StageContext } from '../context';
import { STAGE_AUTOMATIONS } from '../stages';
import { watchStalls } from '../stall';
import { enrichWhenPossible } from '../enrichment';
import { parseDuration } from '../policy/duration';
import { backgroundSettled } from '../background';
import { acts } from '../proxies';
import { taskCancelEnabled } from '../tasks';
import type { FactsSync } from '../facts';
import type { TimelineSync } from '../timeline';
import type { LeadSummary, LeadWorkflowInput } from '../types';
import type { Lead } from './state';

const TERMINAL: Status[] = ['lost', 'disqualified', 'completed'];
/**
 * Patch: whether the server suggests continue-as-new is read once per turn of the loop, after its
 * wait. A run from before it read it inside the wait's predicate (which also recorded it), so when
 * it was seen depended on which other branch was checked first; that run keeps doing so.
 */
const CAN_PER_TURN_PATCH = 'lead-can-per-turn';

/** What the runner needs from the rest of the lead: the syncs it settles before continue-as-new or the end. */
export interface RunnerDeps {
  facts: FactsSync;
  sweeper: { settle(): Promise<void> };
  /** the durable timeline's sync (workflows/timeline.ts) */
  timeline: TimelineSync;
  /** whether the address index still has to learn the deal closed (asks `patched()` only when due) */
  indexDue(): boolean;
  indexClosed(): Promise<void>;
}

/** Runs the lead's stages to the end (its summary) or continues it as new. */
export async function runStages(
  lead: Lead,
  input: LeadWorkflowInput,
  { facts, sweeper, timeline, indexDue, indexClosed }: RunnerDeps,
): Promise<LeadSummary> {
  const { state, record, syncSearchAttributes } = lead;
  const closedForGood = (): boolean => TERMINAL.includes(state.status);
  // whether this run hands over to a new one: read once per turn of the loop, after its wait (the
  // wait itself also ends when the server suggests it); the stall watcher and enrichment stop on it
  const perTurn = patched(CAN_PER_TURN_PATCH);
  let canSuggested = false;
  // a run from before the patch: the predicate records what it read (see CAN_PER_TURN_PATCH)
  const suggested = (): boolean =>
    perTurn ? workflowInfo().continueAsNewSuggested : (canSuggested = workflowInfo().continueAsNewSuggested);
  const draining: Promise<void>[] = [];
  const watcher = new CancellationScope();
  // the watcher's escalation side effects are non-cancellable, so awaiting it after cancel() lets a
  // level that already fired finish its task before continue-as-new or the end
  const watching = watcher
    .run(() => watchStalls({ lead, closed: () => closedForGood() || canSuggested }))
    .catch(() => undefined);
  const enricher = new CancellationScope();
  const enrichRetryMs = parseDuration(input.settings?.enrichmentRetry ?? '5m') ?? 300_000;
  const enriching = enricher
    .run(() => enrichWhenPossible(state, record, () => closedForGood() || canSuggested, enrichRetryMs))
    .catch(() => undefined);
  while (!closedForGood()) {
    const head = state.pending[0];
    if (!head) {
      await condition(() => state.pending.length > 0 || closedForGood() || suggested());
      if (perTurn) canSuggested = suggested();
    } else {
      const ctx: StageContext = makeContext(lead, head, input.settings);
      const scope = new CancellationScope();
      if (head.entry !== state.stageEntry) scope.cancel();
      let finished = false;
      const running = scope
        .run(() => runStageAutomation(ctx, STAGE_AUTOMATIONS[head.stage]))
        .finally(() => (finished = true));
      await condition(() => finished || state.stageEntry !== head.entry || closedForGood() || suggested());
      if (perTurn) canSuggested = suggested();
      const interruptedForCan = !finished && canSuggested && state.stageEntry === head.entry && !closedForGood();
      scope.cancel();
      if (interruptedForCan) {
        await running; // its non-cancellable steps finish; the next run resumes the rest
      } else {
        // superseded or closed: the entry's in-flight steps (a task, a send) finish in the
        // background — a slow SMTP server never holds up the next stage or closing the deal
        if (!finished) {
          const d: Promise<void> = running.finally(() => draining.splice(draining.indexOf(d), 1));
          draining.push(d);
        }
        state.pending.shift();
        for (const e of Object.keys(state.steps)) if (Number(e) <= head.entry) delete state.steps[e];
      }
    }
    syncSearchAttributes();
    if (indexDue()) await indexClosed();
    if (canSuggested && !closedForGood()) {
      watcher.cancel();
      enricher.cancel();
      await Promise.all([watching, enriching, ...draining]);
      await sweeper.settle();
      await backgroundSettled();
      await facts.flush();
      // the next run starts with a small state: what this one recorded is stored first
      if (timeline.enabled) await timeline.flush();
      await condition(allHandlersFinished);
      await continueAsNew<(input: LeadWorkflowInput) => Promise<LeadSummary>>({
        lead: input.lead,
        state,
        settings: input.settings,
      });
    }
  }
  state.pending = [];
  watcher.cancel();
  enricher.cancel();
  await Promise.all([watching, enriching]);

  // ---- closed: tidy up ----
  if (taskCancelEnabled()) {
    // tasks still being made by a superseded entry exist first; then the last sweep cancels each
    // task that no longer applies, one by one with why (workflows/tasks.ts)
    await Promise.all([...draining]);
    await sweeper.settle();
  } else if (state.status === 'lost' || state.status === 'disqualified') {
    const n = await acts.cancelLeadTasks({ leadId: state.id, actor: 'system' });
    if (n > 0)
      record({
        type: 'automation',
        actor: 'system',
        cause: `${n} open task(s) cancelled because the deal is ${state.status}`,
      });
  }
  syncSearchAttributes();
  if (indexDue()) await indexClosed();
  // deliveries and notifications already started finish before the lead closes: none is lost
  await backgroundSettled();
  // the whole timeline is stored before the lead closes (it outlives the workflow)
  if (timeline.enabled) await timeline.flush();
  await acts.archiveLead(state);
  // the final facts (status, closedAt) are written before the lead closes
  await facts.flush();
  await condition(allHandlersFinished);
  return lead.summary();
}
