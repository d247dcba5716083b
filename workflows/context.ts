/**
 * What a stage's entry automation may do. Each step is keyed and recorded in the state's `steps`
 * record under its stage entry, so after continue-as-new (or when the stage automation is
 * restarted) a step that already ran is not run again; side effects are idempotent in any case
 * (deterministic ids).
 *
 * An entry that is already superseded when its turn comes (the lead moved on meanwhile) makes its
 * immediate step — the stage's task — and nothing else: the context ends the stage right after
 * the task (and the stage runner starts no stage that has no immediate step), so no stage has to
 * remember to check.
 */
import { CancellationScope, condition, isCancellation, log, patched, sleep } from '@temporalio/workflow';
import { durationMs } from './policy/duration';
import { nowMs } from './clock';
import type { HistoryEntry, LeadSettings, LeadState, PendingEntry } from './types';
import { acts, reads } from './proxies';
import { inBackground } from './background';
import { DEFAULT_TASK_DUE } from '../config/defaults';
import { taskIdFor, type TaskPriority } from '../store/tasks/task';
import type { Stage } from '../config/defaults';
import type { Lead } from './lead/state';
import type { StageAutomation } from './stages';

export interface StageContext {
  state: LeadState;
  /** the stage entry number these automations belong to (may be behind state.stageEntry) */
  entry: number;
  /** the stage of that entry */
  stage: Stage;
  /** true once the lead has moved on from this entry */
  superseded(): boolean;
  /** the note given with the move into this stage entry (null when none) */
  note: string | null;
  /** closes the deal (the follow-up's `completed`): the lead's one writer of its status */
  close: Lead['close'];
  /** deployment settings handed to the lead at start */
  settings: LeadSettings;
  /** records a history entry (and trims the oldest past the keep limit) */
  record(e: Omit<HistoryEntry, 'at' | 'actor'> & { actor?: string }): void;
  /** runs fn once per stage entry under `key` */
  once<T>(key: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** creates a task (once per stage entry and kind) with a deterministic id; in a superseded entry the stage ends after it */
  task(t: {
    kind: string;
    title: string;
    details: string;
    assignee?: string;
    due?: string;
    priority?: TaskPriority;
    data?: Record<string, unknown>;
  }): Promise<void>;
  /** sleeps until an absolute time, showing it as the lead's next scheduled action */
  sleepUntil(kind: string, atMs: number): Promise<void>;
  /** waits until an absolute time or until stop() holds; true when stopped early */
  waitUntil(kind: string, atMs: number, stop: () => boolean): Promise<boolean>;
  /** sends an email to the lead once per (stage entry, key); the result says sent or why not */
  email(e: {
    key: string;
    template: string;
    vars?: Record<string, string | number | null>;
    plannedAtMs?: number;
  }): Promise<'sent' | 'suppressed' | 'done_before'>;
}

/**
 * Makes a task for the lead — in the store (idempotent by its deterministic id), in the lead's
 * state and history, and on its way to the team webhook. Once decided it is made even if the stage
 * changes meanwhile (no half-cancelled activity).
 */
export async function createLeadTask(
  state: LeadState,
  record: StageContext['record'],
  t: {
    id: string;
    kind: string;
    assignee: string;
    title: string;
    details: string;
    dueAt: string;
    priority: TaskPriority;
    data?: Record<string, unknown>;
  },
  cause: string,
): Promise<void> {
  await CancellationScope.nonCancellable(() => acts.createTask({ ...t, leadId: state.id, team: state.team }));
  if (!state.tasks.some((x) => x.id === t.id))
    state.tasks.push({ id: t.id, kind: t.kind, assignee: t.assignee, dueAt: t.dueAt });
  record({ type: 'task_created', cause, actor: 'system', data: { taskId: t.id, assignee: t.assignee } });
  deliverTask(t.id, record);
}

/** Delivers a new task to its team's webhook (if one is configured) without holding up the lead. */
function deliverTask(taskId: string, record: StageContext['record']): void {
  inBackground(
    () => acts.deliverTaskWebhook({ taskId, event: 'task.created' }),
    (err) =>
      record({
        type: 'automation_failed',
        cause: `task ${taskId} could not be delivered to the team webhook: ${err.message}`,
        actor: 'system',
      }),
  );
}

/**
 * Patch: an email step once begun (its time came, nothing stopped it) completes as a whole — the
 * owner lookup included — even if the stage changes or the deal closes meanwhile; the runner waits
 * for it before the lead ends. A run from before it could lose the step to a cancelled lookup.
 */
const EMAIL_DECIDED_PATCH = 'email-decided-completes';
let emailDecidedCompletes = false;
/**
 * Asks the patch once, at the start of the run (workflows/lead.workflow.ts), never in the middle of
 * a stage's steps: a run recorded before it replays with the old behaviour for its whole length.
 */
export function startEmailDecidedPatch(): void {
  emailDecidedCompletes = patched(EMAIL_DECIDED_PATCH);
}
/**
 * Patch: a stage automation that fails after its stage was left or the deal closed is recorded on
 * the timeline (a run from before it let such a failure pass without a word).
 */
const FAILURE_AFTER_CANCEL_PATCH = 'automation-failure-after-cancel';

/** Thrown by the context to end a superseded entry's automation after its task (never recorded). */
class EntrySuperseded extends Error {
  override name = 'EntrySuperseded';
}

/**
 * The context of one stage entry. `note` of a pending entry queued by a run from before it was kept
 * (the field absent) is read from the entry's `stage_changed` history entry, as that run did.
 */
export function makeContext(lead: Lead, head: PendingEntry, settings: LeadSettings = {}): StageContext {
  const { state, record } = lead;
  const { entry, stage } = head;
  const superseded = (): boolean => state.stageEntry !== entry;
  const ctx: StageContext = {
    state,
    entry,
    stage,
    superseded,
    note: 'note' in head ? (head.note ?? null) : noteFromHistory(state, stage),
    close: lead.close,
    settings,
    record,
    async once(key, fn) {
      const done = (state.steps[entry] ??= []);
      if (done.includes(key)) return undefined;
      const out = await fn();
      const now = (state.steps[entry] ??= []);
      if (!now.includes(key)) now.push(key);
      return out;
    },
    async task({ kind, title, details, assignee, due, priority, data }) {
      await ctx.once(`task:${kind}`, async () => {
        const dueAt = new Date(nowMs() + durationMs(due ?? DEFAULT_TASK_DUE[kind] ?? '1d')).toISOString();
        await createLeadTask(
          state,
          record,
          {
            id: taskIdFor(state.id, entry, kind),
            kind,
            assignee: assignee ?? state.owner,
            title,
            details,
            dueAt,
            priority: priority ?? 'normal',
            data,
          },
          `${stage} automation: ${title}`,
        );
      });
      if (superseded()) throw new EntrySuperseded(`stage entry ${entry} was superseded`);
    },
    async waitUntil(kind, atMs, stop) {
      const wait = atMs - nowMs();
      state.next = { kind, at: new Date(atMs).toISOString() };
      try {
        if (stop()) return true;
        if (wait <= 0) return false;
        return await condition(stop, wait);
      } finally {
        if (state.next?.kind === kind) state.next = null;
      }
    },
    async email({ key, template, vars, plannedAtMs }) {
      if (state.suppressed) {
        record({
          type: 'email_skipped',
          cause: `${template} not sent: the address is ${state.suppressed}`,
          actor: 'system',
        });
        return 'suppressed';
      }
      const done = await ctx.once(`email:${key}`, async (): Promise<'sent' | 'suppressed'> => {
        const step = `${entry}:${key}`;
        const lookup = () => reads.lookupPeople({ owner: state.owner, team: state.team });
        // decided: the whole step completes, whatever happens to the stage meanwhile (patched)
        const people = await (emailDecidedCompletes ? CancellationScope.nonCancellable(lookup) : lookup());
        const owner = people.owner ?? people.manager;
        // once decided, the send completes even if the stage changes meanwhile (idempotent per step)
        const res = await CancellationScope.nonCancellable(() =>
          acts.sendEmail({
            leadId: state.id,
            step,
            template,
            locale: state.locale,
            to: state.email,
            toName: state.name,
            lead: { name: state.name, company: state.company, email: state.email },
            owner: { name: owner?.name ?? 'dealflow', email: owner?.email ?? '' },
            vars: { timezone: state.timezone, ...vars },
          }),
        );
        if (res.status === 'suppressed') {
          state.suppressed = res.reason;
          record({
            type: 'email_skipped',
            cause: `${template} not sent: ${res.reason}`,
            actor: 'system',
            data: { step, template },
          });
          return 'suppressed';
        }
        if (!state.emails.some((e) => e.step === step)) {
          state.emails.push({
            step,
            template,
            messageId: res.messageId,
            sentAt: res.sentAt,
            plannedAt: plannedAtMs ? new Date(plannedAtMs).toISOString() : undefined,
          });
        }
        record({
          type: 'email_sent',
          cause: `${template} sent (${stage} automation)${res.status === 'already_sent' ? ' — delivered by an earlier attempt' : ''}`,
          actor: 'system',
          data: { step, template, messageId: res.messageId },
        });
        return 'sent';
      });
      return done ?? 'done_before';
    },
    async sleepUntil(kind, atMs) {
      const wait = atMs - nowMs();
      state.next = { kind, at: new Date(atMs).toISOString() };
      try {
        if (wait > 0) await sleep(wait);
      } finally {
        if (state.next?.kind === kind) state.next = null;
      }
    },
  };
  return ctx;
}

/**
 * Runs a stage's automations; a cancellation (stage change) or the end of a superseded entry's
 * task ends them quietly, a failure is recorded, never fatal. An entry already superseded whose
 * stage has no immediate step runs nothing.
 */
export async function runStageAutomation(ctx: StageContext, automation: StageAutomation): Promise<void> {
  if (!automation.immediate && ctx.superseded()) return;
  try {
    await automation.run(ctx);
  } catch (err) {
    if (err instanceof EntrySuperseded || isCancellation(err)) return;
    // a real failure after the stage was left is still a failure: on the timeline (patched)
    if (CancellationScope.current().consideredCancelled && !patched(FAILURE_AFTER_CANCEL_PATCH)) return;
    const message = err instanceof Error ? err.message : String(err);
    log.warn('stage automation failed', { leadId: ctx.state.id, stage: ctx.stage, error: message });
    ctx.record({ type: 'automation_failed', cause: `${ctx.stage} automation failed: ${message}`, actor: 'system' });
  }
}

/** The note of the newest move into `stage`, from the history (entries queued before `pending` kept it). */
function noteFromHistory(state: LeadState, stage: Stage): string | null {
  const moved = [...state.history].reverse().find((h) => h.type === 'stage_changed' && h.to === stage);
  return moved?.data?.note ? String(moved.data.note) : null;
}
