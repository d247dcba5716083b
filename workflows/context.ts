/**
 * What a stage's entry automation may do. Each step is keyed and recorded in the state's `done`
 * list, so after continue-as-new (or when the stage automation is restarted) a step that already ran
 * is not run again; side effects are idempotent in any case (deterministic ids).
 */
import { CancellationScope, isCancellation, log, sleep } from '@temporalio/workflow';
import { durationMs } from './policy/duration';
import { nowIso, nowMs } from './clock';
import type { HistoryEntry, LeadState } from './types';
import { acts } from './proxies';
import { DEFAULT_TASK_DUE } from '../config/defaults';
import type { TaskPriority } from '../activities/tasks/task';
import type { Stage } from '../config/defaults';

export interface StageContext {
  state: LeadState;
  /** the stage entry number these automations belong to (may be behind state.stageEntry) */
  entry: number;
  /** the stage of that entry */
  stage: Stage;
  /** true once the lead has moved on from this entry */
  superseded(): boolean;
  /** records a history entry (and trims the oldest past the keep limit) */
  record(e: Omit<HistoryEntry, 'at' | 'actor'> & { actor?: string }): void;
  /** runs fn once per stage entry under `key` */
  once<T>(key: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** creates a task (once per stage entry and kind) with a deterministic id */
  task(t: { kind: string; title: string; details: string; assignee?: string; due?: string; priority?: TaskPriority; data?: Record<string, unknown> }): Promise<void>;
  /** sleeps until an absolute time, showing it as the lead's next scheduled action */
  sleepUntil(kind: string, atMs: number): Promise<void>;
}

export function makeContext(state: LeadState, record: StageContext['record'], entry: number, stage: Stage): StageContext {
  const ctx: StageContext = {
    state,
    entry,
    stage,
    superseded: () => state.stageEntry !== entry,
    record,
    async once(key, fn) {
      const k = `${entry}:${key}`;
      if (state.done.includes(k)) return undefined;
      const out = await fn();
      if (!state.done.includes(k)) state.done.push(k);
      return out;
    },
    async task({ kind, title, details, assignee, due, priority, data }) {
      await ctx.once(`task:${kind}`, async () => {
        const id = `${state.id}.${entry}.${kind}`;
        const dueAt = new Date(nowMs() + durationMs(due ?? DEFAULT_TASK_DUE[kind] ?? '1d')).toISOString();
        const who = assignee ?? state.owner;
        // once decided, a task is made even if the stage changes meanwhile (no half-cancelled activity)
        const res = await CancellationScope.nonCancellable(() => acts.createTask({
          id,
          leadId: state.id,
          assignee: who,
          team: state.team,
          kind,
          title,
          details,
          dueAt,
          priority: priority ?? 'normal',
          data,
        }));
        if (!state.tasks.some((t) => t.id === id)) state.tasks.push({ id, kind, assignee: who, dueAt: res.dueAt });
        record({ type: 'task_created', cause: `${stage} automation: ${title}`, actor: 'system', data: { taskId: id, assignee: who } });
      });
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

/** Runs a stage's automations; a cancellation (stage change) ends them quietly, a failure is recorded, never fatal. */
export async function runStageAutomation(ctx: StageContext, fn: (ctx: StageContext) => Promise<void>): Promise<void> {
  try {
    await fn(ctx);
  } catch (err) {
    if (isCancellation(err) || CancellationScope.current().consideredCancelled) return;
    const message = err instanceof Error ? err.message : String(err);
    log.warn('stage automation failed', { leadId: ctx.state.id, stage: ctx.stage, error: message });
    ctx.record({ type: 'automation_failed', cause: `${ctx.stage} automation failed: ${message}`, actor: 'system' });
  }
}

export { nowIso };
