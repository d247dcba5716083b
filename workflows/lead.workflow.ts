/**
 * The lead's life (SPEC §2): one workflow per lead, id `lead-<id>`, from the first touch to the last
 * check-in. It owns the stage and status, runs each stage's entry automations in a cancellable
 * scope (a stage change cancels the old stage's timers), records every change in the lead's history
 * with time, actor and cause, keeps its search attributes current, and continues as new with its
 * plain-JSON state when the server suggests it.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { DEFAULT_LEAD, HISTORY_KEEP, type Stage, type Status } from '../config/defaults';
import { nowIso } from './clock';
import { makeContext, runStageAutomation, type StageContext } from './context';
import {
  customerRepliedSignal,
  disqualifyUpdate,
  logActivityUpdate,
  markLostUpdate,
  markWonUpdate,
  moveStageUpdate,
  stateQuery,
  taskCompletedSignal,
  thresholdsChangedSignal,
  unsubscribedSignal,
  qualifyUpdate,
  surveyAnsweredSignal,
  campaignControlSignal,
  enrolledSignal,
  claimTaskUpdate,
} from './messages';
import { applyCampaignControl } from './campaign';
import { acceptsActivity, checkClose, checkMove } from './policy/transitions';
import { canActOn, FORBIDDEN, type Access } from './policy/access';
import { amountProblem, INVALID_FIELD } from './policy/currency';
import { acts } from './proxies';
import { SA } from './search-attributes';
import { STAGE_AUTOMATIONS } from './stages';
import { applyThresholds, watchStalls } from './stall';
import { enrichWhenPossible } from './enrichment';
import { rescore } from './scoring';
import { parseDuration } from './policy/duration';
import { backgroundSettled } from './background';
import { startFactsSync } from './facts';
import { enterVisit, visitsFromHistory } from './policy/facts';
import { claimLead, startTaskSweeper, taskCancelEnabled, validateClaim } from './tasks';
import type { HistoryEntry, LeadInput, LeadState, LeadSummary, LeadWorkflowInput } from './types';

const TERMINAL: Status[] = ['lost', 'disqualified', 'completed'];
/** Patch: a closed deal (won, lost, disqualified) is marked closed in the address index (README "One lead per person"). */
export const ADDRESS_INDEX_ON_CLOSE = 'address-index-on-close';

export function initialState(lead: LeadInput, at: string): LeadState {
  return {
    id: lead.id,
    email: lead.email,
    ...(lead.previousLeadId ? { previousLeadId: lead.previousLeadId } : {}),
    name: lead.name,
    company: lead.company,
    title: lead.title,
    phone: lead.phone,
    owner: lead.owner,
    team: lead.team ?? DEFAULT_LEAD.team,
    source: lead.source,
    tags: lead.tags ?? [],
    campaign: lead.campaign,
    cadence: lead.cadence,
    locale: lead.locale ?? 'en',
    timezone: lead.timezone ?? 'UTC',
    value: lead.value ?? 0,
    currency: lead.currency ?? DEFAULT_LEAD.currency,
    stage: lead.stage ?? 'prospecting',
    status: 'open',
    score: null,
    scoreReasons: [],
    enrichment: null,
    history: [],
    historyTrimmed: 0,
    createdAt: at,
    lastActivityAt: at,
    stageEnteredAt: at,
    stageEntry: 1,
    escalation: { level: 0, since: null, thresholdVersion: null, nextAt: null },
    activitySeq: 0,
    thresholds: null,
    next: null,
    tasks: [],
    emails: [],
    done: [],
    pending: [{ entry: 1, stage: lead.stage ?? 'prospecting' }],
    runs: 1,
    visits: [{ stage: lead.stage ?? 'prospecting', enteredAt: at, leftAt: null }],
  };
}

export async function leadWorkflow(input: LeadWorkflowInput): Promise<LeadSummary> {
  const continued = !!input.state;
  const state: LeadState = input.state ?? initialState(input.lead, nowIso());
  if (continued) state.runs += 1;
  // a lead continued from a run that kept no visits gets them rebuilt from its history
  state.visits ??= visitsFromHistory(state);

  const record = (e: Omit<HistoryEntry, 'at' | 'actor'> & { actor?: string }): void => {
    syncSearchAttributes();
    state.history.push({ at: nowIso(), actor: e.actor ?? 'system', ...e } as HistoryEntry);
    if (state.history.length > HISTORY_KEEP) {
      const drop = state.history.length - HISTORY_KEEP;
      state.history.splice(0, drop);
      state.historyTrimmed += drop;
    }
  };
  const summary = (): LeadSummary => ({
    id: state.id,
    stage: state.stage,
    status: state.status,
    owner: state.owner,
    lastActivityAt: state.lastActivityAt,
  });
  /** first in every validator: a caller who may not act on this lead learns nothing else (403) */
  const checkAccess = (access: Access | undefined, actor: string): void => {
    if (access && !canActOn(access, state)) throw ApplicationFailure.create({ type: FORBIDDEN, message: `${actor} may not act on lead ${state.id}`, nonRetryable: true });
  };
  const touch = (): void => {
    state.lastActivityAt = nowIso();
    state.activitySeq += 1;
    state.escalation = { level: 0, since: null, thresholdVersion: state.escalation.thresholdVersion, nextAt: null };
  };
  const enterStage = (to: Stage, actor: string, cause: string, note?: string): void => {
    const from = state.stage;
    state.stage = to;
    state.stageEntry += 1;
    state.stageEnteredAt = nowIso();
    enterVisit((state.visits ??= []), to, state.stageEnteredAt);
    state.pending.push({ entry: state.stageEntry, stage: to });
    state.next = null;
    touch();
    record({ type: 'stage_changed', from, to, actor, cause, data: note ? { note } : undefined });
  };

  // ---- search attributes, kept current (every recorded change re-checks them) ----
  let lastSA = '';
  function syncSearchAttributes(): void {
    const pairs: SearchAttributeUpdatePair[] = [
      { key: SA.stage, value: state.stage },
      { key: SA.status, value: state.status },
      { key: SA.owner, value: state.owner },
      { key: SA.team, value: state.team },
      { key: SA.escalationLevel, value: state.escalation.level },
      { key: SA.value, value: state.value },
    ];
    if (state.campaign) pairs.push({ key: SA.campaign, value: state.campaign });
    const sig = JSON.stringify(pairs.map((p) => p.value));
    if (sig === lastSA) return;
    lastSA = sig;
    upsertSearchAttributes(pairs);
  }

  if (!continued) {
    const by = input.createdBy ?? { actor: 'system', cause: 'lead created' };
    record({ type: 'created', to: state.stage, actor: by.actor, cause: by.cause, ...(state.previousLeadId ? { data: { previousLeadId: state.previousLeadId } } : {}) });
  } else {
    record({ type: 'continued_as_new', actor: 'system', cause: `history compacted (run ${state.runs})` });
  }
  syncSearchAttributes();

  // ---- handlers (registered before the first await; a buffered message runs as its handler is set) ----
  setHandler(stateQuery, () => state);

  setHandler(
    moveStageUpdate,
    ({ to, note, actor }) => {
      enterStage(to as Stage, actor, note ? `moved by ${actor}: ${note}` : `moved by ${actor}`, note);
      return summary();
    },
    {
      validator: ({ to, actor, access }) => {
        checkAccess(access, actor);
        if (!actor) throw new Error('an actor is required');
        const v = checkMove(state, to);
        if (!v.ok) throw new Error(v.reason);
      },
    },
  );

  setHandler(
    logActivityUpdate,
    ({ type, note, actor }) => {
      touch();
      record({ type: 'activity_logged', actor, cause: `${type} logged by ${actor}${note ? `: ${note}` : ''}`, data: { activity: type } });
      return summary();
    },
    {
      validator: ({ type, actor, access }) => {
        checkAccess(access, actor);
        if (!actor) throw new Error('an actor is required');
        if (!['call', 'email', 'meeting', 'note'].includes(type)) throw new Error(`unknown activity type "${type}"`);
        if (!acceptsActivity(state.status)) throw new Error(`the deal is ${state.status}; no activity can be logged`);
      },
    },
  );

  setHandler(
    markWonUpdate,
    ({ amount, actor, note }) => {
      if (typeof amount === 'number') state.value = amount;
      state.wonAmount = state.value;
      state.status = 'won';
      state.closedAt = nowIso();
      record({ type: 'won', from: state.stage, to: 'follow_up', actor, cause: `won by ${actor}${note ? `: ${note}` : ''}`, data: { amount: state.value } });
      enterStage('follow_up', actor, `deal won by ${actor}`);
      return summary();
    },
    {
      validator: ({ amount, actor, access }) => {
        checkAccess(access, actor);
        if (!actor) throw new Error('an actor is required');
        if (amount !== undefined && (typeof amount !== 'number' || !(amount >= 0))) throw new Error('amount must be a number ≥ 0');
        // the won amount is in the lead's currency and keeps its minor unit (README "Lead input")
        const problem = typeof amount === 'number' ? amountProblem(amount, state.currency) : null;
        if (problem) throw ApplicationFailure.create({ type: INVALID_FIELD, message: `amount: ${problem}`, details: ['amount', problem], nonRetryable: true });
        const v = checkClose(state, 'won');
        if (!v.ok) throw new Error(v.reason);
      },
    },
  );

  const closeAs = (status: 'lost' | 'disqualified') => ({ reason, actor }: { reason: string; actor: string }) => {
    state.status = status;
    state.lostReason = reason;
    state.closedAt = nowIso();
    state.next = null;
    record({ type: status, from: state.stage, actor, cause: `${status} (${actor}): ${reason}` });
    return summary();
  };
  const closeValidator = (status: 'lost' | 'disqualified') => ({ reason, actor, access }: { reason: string; actor: string; access?: Access }) => {
    checkAccess(access, actor);
    if (!actor) throw new Error('an actor is required');
    if (!reason || !reason.trim()) throw new Error('a reason is required');
    const v = checkClose(state, status);
    if (!v.ok) throw new Error(v.reason);
  };
  setHandler(markLostUpdate, closeAs('lost'), { validator: closeValidator('lost') });
  setHandler(disqualifyUpdate, closeAs('disqualified'), { validator: closeValidator('disqualified') });

  setHandler(customerRepliedSignal, ({ actor, via, note }) => {
    if (!acceptsActivity(state.status)) return;
    touch();
    state.lastReplyAt = nowIso();
    record({ type: 'customer_replied', actor, cause: `customer replied (${via})${note ? `: ${note}` : ''}` });
  });

  setHandler(unsubscribedSignal, ({ email, reason }) => {
    if (state.suppressed) return;
    state.suppressed = reason;
    record({ type: 'automation', actor: email, cause: `no more email to this lead: ${reason}` });
  });

  setHandler(
    qualifyUpdate,
    ({ actor, budget, authority, need, timeline }) => {
      const q = { ...(state.qualification ?? {}) };
      if (budget !== undefined) q.budget = budget;
      if (authority !== undefined) q.authority = authority;
      if (need !== undefined) q.need = need;
      if (timeline !== undefined) q.timeline = timeline;
      state.qualification = q;
      touch();
      const shown = (['budget', 'authority', 'need', 'timeline'] as const).filter((k) => q[k] !== undefined).map((k) => `${k} ${q[k] ? 'yes' : 'no'}`);
      record({ type: 'activity_logged', actor, cause: `qualification recorded by ${actor}: ${shown.join(', ')}` });
      rescore(state, record);
      return summary();
    },
    {
      validator: ({ actor, access, ...q }) => {
        checkAccess(access, actor);
        if (!actor) throw new Error('an actor is required');
        for (const [k, v] of Object.entries(q)) {
          if (!['budget', 'authority', 'need', 'timeline'].includes(k)) throw new Error(`unknown qualification question "${k}"`);
          if (v !== undefined && typeof v !== 'boolean') throw new Error(`${k} must be true or false`);
        }
        if (!acceptsActivity(state.status)) throw new Error(`the deal is ${state.status}`);
      },
    },
  );

  setHandler(surveyAnsweredSignal, (a) => {
    if (state.survey?.answer || state.status !== 'won') return;
    state.survey = { ...(state.survey ?? {}), answer: a, outcome: 'answered' };
    record({ type: 'automation', actor: 'customer', cause: `satisfaction survey answered: ${a.score}/10${a.comment ? ` — ${a.comment.slice(0, 200)}` : ''}`, data: { score: a.score } });
  });

  setHandler(campaignControlSignal, (c) => {
    applyCampaignControl(state, record, c, 'pushed on change');
  });

  setHandler(enrolledSignal, ({ campaign, cadence, batchId, actor }) => {
    const via = batchId ? `batch ${batchId}` : actor;
    if (campaign && !state.campaign && acceptsActivity(state.status)) {
      state.campaign = campaign;
      if (cadence && !state.cadence) state.cadence = cadence;
      record({ type: 'automation', actor, cause: `joined campaign ${campaign} (enrolled again by ${via}; the lead was already running)`, data: { campaign } });
    } else {
      record({ type: 'automation', actor, cause: `enrolled again by ${via}: the lead is already running, nothing was restarted` });
    }
  });

  setHandler(thresholdsChangedSignal, (doc) => applyThresholds(state, doc, record, 'pushed on change'));

  setHandler(taskCompletedSignal, ({ taskId, actor }) => {
    if (state.history.some((h) => h.type === 'task_completed' && h.data?.taskId === taskId)) return;
    if (acceptsActivity(state.status)) touch();
    const ref = state.tasks.find((t) => t.id === taskId);
    if (ref) ref.closed ??= 'done';
    record({ type: 'task_completed', actor, cause: `task completed by ${actor}`, data: { taskId } });
  });

  // a claim from the team queue hands the lead to the claiming rep (workflows/tasks.ts)
  setHandler(
    claimTaskUpdate,
    async (req) => {
      await claimLead(state, record, req);
      return summary();
    },
    { validator: (req) => validateClaim(state, req) },
  );


  // ---- the facts record (metrics), kept current beside everything else ----
  const facts = startFactsSync(state, record);
  // ---- tasks that no longer apply (a stage left, a stall reset, the deal closed) are cancelled ----
  const sweeper = startTaskSweeper(state, record);

  // ---- the address index learns the deal closed, once (README "One lead per person") ----
  // called only when due (an `await` of nothing would still reorder the commands of older histories)
  const indexDue = (): boolean => state.status !== 'open' && !state.addressIndexedClosed && patched(ADDRESS_INDEX_ON_CLOSE);
  const indexClosed = async (): Promise<void> => {
    state.addressIndexedClosed = true;
    try {
      await acts.indexLeadClosed({ leadId: state.id, email: state.email, createdAt: state.createdAt });
    } catch (err) {
      // only a non-retryable error gets here (a bad address): the deal closes all the same
      record({ type: 'automation_failed', actor: 'system', cause: `the address index could not record the closed deal: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}` });
    }
  };

  // ---- the stage loop ----
  // Every stage entry is queued (state.pending) and its entry automation runs in order. An entry
  // that is already superseded when its turn comes runs in a cancelled scope: its immediate steps
  // (tasks) still happen — deterministically, however fast the moves came — while its timers do
  // not. A stage change cancels the running entry's timers. Continue-as-new keeps the queue.
  const closedForGood = (): boolean => TERMINAL.includes(state.status);
  let canSuggested = false;
  const draining: Promise<void>[] = [];
  const watcher = new CancellationScope();
  // the watcher's escalation side effects are non-cancellable, so awaiting it after cancel() lets a
  // level that already fired finish its task before continue-as-new or the end
  const watching = watcher.run(() => watchStalls({ state, record, closed: () => closedForGood() || canSuggested })).catch(() => undefined);
  const enricher = new CancellationScope();
  const enrichRetryMs = parseDuration(input.settings?.enrichmentRetry ?? '5m') ?? 300_000;
  const enriching = enricher.run(() => enrichWhenPossible(state, record, () => closedForGood() || canSuggested, enrichRetryMs)).catch(() => undefined);
  const suggested = (): boolean => (canSuggested = workflowInfo().continueAsNewSuggested);
  while (!closedForGood()) {
    const head = state.pending[0];
    if (!head) {
      await condition(() => state.pending.length > 0 || closedForGood() || suggested());
    } else {
      const ctx: StageContext = makeContext(state, record, head.entry, head.stage, input.settings);
      const scope = new CancellationScope();
      if (head.entry !== state.stageEntry) scope.cancel();
      let finished = false;
      const running = scope.run(() => runStageAutomation(ctx, STAGE_AUTOMATIONS[head.stage])).finally(() => (finished = true));
      await condition(() => finished || state.stageEntry !== head.entry || closedForGood() || suggested());
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
        state.done = state.done.filter((k) => Number(k.split(':')[0]) > head.entry);
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
      await condition(allHandlersFinished);
      await continueAsNew<typeof leadWorkflow>({ lead: input.lead, state, settings: input.settings });
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
    if (n > 0) record({ type: 'automation', actor: 'system', cause: `${n} open task(s) cancelled because the deal is ${state.status}` });
  }
  syncSearchAttributes();
  if (indexDue()) await indexClosed();
  // deliveries and notifications already started finish before the lead closes: none is lost
  await backgroundSettled();
  await acts.archiveLead(state);
  // the final facts (status, closedAt) are written before the lead closes
  await facts.flush();
  await condition(allHandlersFinished);
  return summary();
}
