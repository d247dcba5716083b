/**
 * The lead's life (README "What happens to a lead"): one workflow per lead, id `lead-<id>`, from the
 * first touch to the last check-in. It owns the stage and status, runs each stage's entry
 * automations in a cancellable scope (a stage change cancels the old stage's timers), records every
 * change in the lead's history with time, actor and cause, keeps its search attributes current, and
 * continues as new with its plain-JSON state when the server suggests it.
 *
 * It reads in three parts (docs/ARCHITECTURE.md, "The lead workflow"):
 * - workflows/lead/state.ts — the state and its named mutations (one writer per field that decides
 *   what the lead is: history, activity, stage, status, owner);
 * - workflows/lead/handlers.ts — its signals, updates and query;
 * - workflows/lead/stage-runner.ts — the loop of stage entries beside the stall watcher and
 *   enrichment, continue-as-new, and the tidy-up when the deal is closed.
 */
import { patched } from '@temporalio/workflow';
import { acts } from './proxies';
import { startFactsSync } from './facts';
import { startTaskSweeper } from './tasks';
import { startTimelineSync } from './timeline';
import { startEmailDecidedPatch } from './context';
import { openLead } from './lead/state';
import { registerHandlers } from './lead/handlers';
import { runStages } from './lead/stage-runner';
import type { LeadSummary, LeadWorkflowInput } from './types';

export { initialState } from './lead/state';

/** Patch: a closed deal (won, lost, disqualified) is marked closed in the address index (README "One lead per person"). */
const ADDRESS_INDEX_ON_CLOSE = 'address-index-on-close';

// Not `async`: the runner's promise is the workflow's result as it is, so the stage loop's awaits
// keep their place among the commands of every recorded history (test/replay).
export function leadWorkflow(input: LeadWorkflowInput): Promise<LeadSummary> {
  try {
    const lead = openLead(input);
    const { state, record } = lead;
    // the durable timeline (patched): every entry is stored outside the state before it is trimmed
    const timeline = startTimelineSync(state, lead.trimHistory);
    startEmailDecidedPatch();

    if (!input.state) {
      const by = input.createdBy ?? { actor: 'system', cause: 'lead created' };
      record({
        type: 'created',
        to: state.stage,
        actor: by.actor,
        cause: by.cause,
        ...(state.previousLeadId ? { data: { previousLeadId: state.previousLeadId } } : {}),
      });
    } else {
      record({ type: 'continued_as_new', actor: 'system', cause: `history compacted (run ${state.runs})` });
    }
    lead.syncSearchAttributes();

    // registered before the first await: a buffered message runs as its handler is set
    registerHandlers(lead);

    // ---- the facts record (metrics), kept current beside everything else ----
    const facts = startFactsSync(state, record);
    // ---- tasks that no longer apply (a stage left, a stall reset, the deal closed) are cancelled ----
    const sweeper = startTaskSweeper(state, record);

    // ---- the address index learns the deal closed, once (README "One lead per person") ----
    // called only when due (an `await` of nothing would still reorder the commands of older histories)
    const indexDue = (): boolean =>
      state.status !== 'open' && !state.addressIndexedClosed && patched(ADDRESS_INDEX_ON_CLOSE);
    const indexClosed = async (): Promise<void> => {
      state.addressIndexedClosed = true;
      try {
        await acts.indexLeadClosed({ leadId: state.id, email: state.email, createdAt: state.createdAt });
      } catch (err) {
        // only a non-retryable error gets here (a bad address): the deal closes all the same
        record({
          type: 'automation_failed',
          actor: 'system',
          cause: `the address index could not record the closed deal: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`,
        });
      }
    };

    return runStages(lead, input, { facts, sweeper, timeline, indexDue, indexClosed });
  } catch (err) {
    return Promise.reject(err);
  }
}
