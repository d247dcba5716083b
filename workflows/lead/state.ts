/**
 * The lead's state and its named mutations (docs/ARCHITECTURE.md, "The lead workflow"). The state
 * itself is plain JSON (workflows/types.ts) — the continue-as-new input and the `state` query's
 * answer — and these mutations are the one writer of the fields that decide what the lead is:
 *
 * - `history` (and `historyTrimmed`) through `record()`, which also keeps the search attributes current;
 * - `lastActivityAt`, `activitySeq` and the escalation reset through `touch()`;
 * - `stage`, `stageEntry`, `stageEnteredAt`, `visits` and `pending` through `enterStage()`;
 * - `status` and `closedAt` (with `value`, `wonAmount`, `lostReason`) through `close()`;
 * - `owner` through `reassign()` (the stall ladder's team queue, a claim from the queue).
 *
 * Each mutation changes its fields and records its history entry in the same order the workflow
 * always did: a recorded entry re-checks the search attributes, and an upsert is a command, so the
 * order is part of every recorded history (test/replay).
 */
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { DEFAULT_LEAD, HISTORY_KEEP, type Stage } from '../../config/defaults';
import { nowIso } from '../clock';
import { SA } from '../search-attributes';
import { enterVisit, visitsFromHistory } from '../policy/facts';
import type { HistoryEntry, LeadInput, LeadState, LeadSummary, LeadWorkflowInput } from '../types';

/** A history entry as a mutation records it (time added; actor `system` unless named). */
type EntryInput = Omit<HistoryEntry, 'at' | 'actor'> & { actor?: string };
export type RecordFn = (e: EntryInput) => void;

/** How a deal closes: the status it gets and what the closing records. */
type Closing =
  | { status: 'won'; actor: string; amount?: number; note?: string }
  | { status: 'lost' | 'disqualified'; actor: string; reason: string }
  | { status: 'completed'; cause: string };

export interface Lead {
  readonly state: LeadState;
  /** records a history entry (and trims the oldest past the keep limit) */
  record: RecordFn;
  /** drops the oldest entries past the keep limit from the state (only stored ones, with the durable timeline) */
  trimHistory(): void;
  /** pushes the search attributes if any of them changed (an upsert only when something did) */
  syncSearchAttributes(): void;
  /** activity on the lead: the stall ladder starts again */
  touch(): void;
  /** a new stage entry: queued for its entry automation (`pending`, with the move's note) */
  enterStage(to: Stage, actor: string, cause: string, note?: string): void;
  /** the deal's status changes: won, lost, disqualified, or completed after the follow-up */
  close(c: Closing): void;
  /**
   * The lead changes hands. The owner's tasks go with it: only the open ones (`openTasksOnly`), or
   * every task ref naming the old owner (the stall ladder's hand-off to the team queue always did so).
   */
  reassign(to: string, entry: EntryInput, opts: { openTasksOnly: boolean }): void;
  summary(): LeadSummary;
}

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
    steps: {},
    pending: [{ entry: 1, stage: lead.stage ?? 'prospecting', note: null }],
    runs: 1,
    visits: [{ stage: lead.stage ?? 'prospecting', enteredAt: at, leftAt: null }],
  };
}

/**
 * A state carried over from a run that kept its done steps as `"<entry>:<step>"` strings gets them
 * as the per-entry record (`steps`) this code keeps.
 */
function stepsFromLegacy(state: LeadState): void {
  if (state.steps && !state.done) return;
  const steps: Record<string, string[]> = state.steps ?? {};
  for (const k of state.done ?? []) {
    const at = k.indexOf(':');
    const entry = k.slice(0, at);
    (steps[entry] ??= []).push(k.slice(at + 1));
  }
  state.steps = steps;
  delete state.done;
}

/**
 * The lead of this run: a fresh state, or the one carried over by continue-as-new (its run count
 * bumped, and visits rebuilt from its history if the run before kept none).
 */
export function openLead(input: LeadWorkflowInput): Lead {
  const continued = !!input.state;
  const state: LeadState = input.state ?? initialState(input.lead, nowIso());
  if (continued) state.runs += 1;
  state.visits ??= visitsFromHistory(state);
  stepsFromLegacy(state);

  let lastSA = '';
  const syncSearchAttributes = (): void => {
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
  };

  /**
   * Drops the oldest entries past the keep limit from the state. With the durable timeline
   * (`timelineStored` set, workflows/timeline.ts) only entries already stored are dropped.
   */
  const trimHistory = (): void => {
    if (state.history.length <= HISTORY_KEEP) return;
    const storedInState = state.timelineStored === undefined ? Infinity : state.timelineStored - state.historyTrimmed;
    const drop = Math.min(state.history.length - HISTORY_KEEP, storedInState);
    if (drop <= 0) return;
    state.history.splice(0, drop);
    state.historyTrimmed += drop;
  };

  const record: RecordFn = (e) => {
    syncSearchAttributes();
    state.history.push({ at: nowIso(), actor: e.actor ?? 'system', ...e });
    trimHistory();
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
    state.pending.push({ entry: state.stageEntry, stage: to, note: note || null });
    state.next = null;
    touch();
    record({ type: 'stage_changed', from, to, actor, cause, data: note ? { note } : undefined });
  };

  const close = (c: Closing): void => {
    switch (c.status) {
      case 'won':
        if (typeof c.amount === 'number') state.value = c.amount;
        state.wonAmount = state.value;
        state.status = 'won';
        state.closedAt = nowIso();
        record({
          type: 'won',
          from: state.stage,
          to: 'follow_up',
          actor: c.actor,
          cause: `won by ${c.actor}${c.note ? `: ${c.note}` : ''}`,
          data: { amount: state.value },
        });
        return;
      case 'lost':
      case 'disqualified':
        state.status = c.status;
        state.lostReason = c.reason;
        state.closedAt = nowIso();
        state.next = null;
        record({ type: c.status, from: state.stage, actor: c.actor, cause: `${c.status} (${c.actor}): ${c.reason}` });
        return;
      case 'completed':
        state.status = 'completed';
        state.closedAt = nowIso();
        record({ type: 'completed', cause: c.cause });
        return;
    }
  };

  const reassign = (to: string, entry: EntryInput, { openTasksOnly }: { openTasksOnly: boolean }): void => {
    const from = state.owner;
    state.owner = to;
    for (const t of state.tasks) if (t.assignee === from && (!openTasksOnly || !t.closed)) t.assignee = to;
    record(entry);
  };

  const summary = (): LeadSummary => ({
    id: state.id,
    stage: state.stage,
    status: state.status,
    owner: state.owner,
    lastActivityAt: state.lastActivityAt,
  });

  return { state, record, trimHistory, syncSearchAttributes, touch, enterStage, close, reassign, summary };
}
