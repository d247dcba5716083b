/**
 * Stall detection and the escalation ladder (docs/ARCHITECTURE.md §7), running beside the stage loop.
 *
 * The watcher sleeps until lastActivity + threshold × multiplier[level]. Any activity (stage change,
 * logged activity, completed task, reply) bumps state.activitySeq and resets the level, which wakes
 * it. A threshold change reaches a waiting lead two ways: a shorter one arrives as the
 * `thresholdsChanged` signal (sent by the propagation workflow only to leads it affects), and a
 * longer one is caught when the timer fires — the watcher re-reads the thresholds before it
 * escalates and, if they changed, sleeps on to the new time. Each level fires once per stall and is
 * recorded with the threshold version that fired it.
 *
 * Everything an escalation sends (its task ids, email step keys, the stage it names, who gets it) is
 * decided from the lead as it is the moment the level fires, before the first `await`
 * (patched('stall-fire-snapshot')): a move that lands while the task is being written changes none
 * of it, so the old stage's reminder is never sent under the new stage's key.
 *
 * A watcher error (a threshold whose escalation time is no date, an activity that failed for good)
 * never ends the watcher silently (patched('stall-watcher-recovers')): it is logged and recorded on
 * the timeline once per distinct error, and the watcher waits for a change (thresholds, activity,
 * status) or an hour, then carries on.
 */
import { ActivityFailure, CancellationScope, condition, isCancellation, log, patched } from '@temporalio/workflow';
import { nowIso, nowMs } from './clock';
import { nextEscalationAt, thresholdMs } from './policy/thresholds';
import { formatDuration } from './policy/duration';
import { acts, reads } from './proxies';
import type { LeadState } from './types';
import type { Lead, RecordFn } from './lead/state';
import { inBackground } from './background';
import { createLeadTask } from './context';

/** Patch: an escalation decides what it sends from the lead as it was when the level fired. */
const STALL_SNAPSHOT_PATCH = 'stall-fire-snapshot';
/** Patch: a watcher error is recorded and the watcher carries on (it used to end silently). */
const STALL_RECOVERS_PATCH = 'stall-watcher-recovers';
/** How long a watcher waits after an error when nothing changes, before it tries again. */
const RETRY_AFTER_ERROR_MS = 3_600_000;

export interface StallDeps {
  lead: Lead;
  closed(): boolean;
}

export async function watchStalls({ lead, closed }: StallDeps): Promise<void> {
  const { state, record } = lead;
  // both patches are asked once, as the watcher starts (the run's first workflow task): a run
  // recorded before them keeps the old behaviour for its whole length
  const snapshot = patched(STALL_SNAPSHOT_PATCH);
  const recovers = patched(STALL_RECOVERS_PATCH);
  let lastError: string | undefined;
  while (!closed()) {
    try {
      if (state.status !== 'open') {
        await condition(() => closed() || state.status === 'open');
        continue;
      }
      if (!state.thresholds) {
        const doc = await reads.getThresholds();
        // a pushed document may have arrived meanwhile: keep the newer
        if (!state.thresholds || doc.version > (state.thresholds as { version: number }).version)
          state.thresholds = doc;
        continue;
      }
      const seq = state.activitySeq;
      const version = state.thresholds.version;
      const level = state.escalation.level;
      const at = nextEscalationAt(state.thresholds, state.team, state.stage, Date.parse(state.lastActivityAt), level);
      const changed = () =>
        closed() || state.status !== 'open' || state.activitySeq !== seq || state.thresholds?.version !== version;
      if (at === undefined) {
        state.escalation.nextAt = null;
        await condition(changed);
        continue;
      }
      state.escalation.nextAt = new Date(at).toISOString();
      if (await condition(changed, Math.max(at - nowMs(), 1))) continue;

      // the timer fired: act on the thresholds as they are now, not as they were when it was set
      const fresh = await reads.getThresholds();
      if (state.activitySeq !== seq || state.status !== 'open' || closed()) continue;
      if (fresh.version > state.thresholds.version) {
        applyThresholds(state, fresh, record, 'read when the stall timer fired');
        continue;
      }
      await escalate(lead, level + 1, snapshot);
    } catch (err) {
      // a run from before the patch ended the watcher here (its history replays the same way)
      if (isCancellation(err) || !recovers) throw err;
      // an activity's failure says why in its cause
      const why = err instanceof ActivityFailure && err.cause ? err.cause : err;
      const message = why instanceof Error ? why.message : String(why);
      const seq = state.activitySeq;
      const version = state.thresholds?.version;
      const status = state.status;
      log.warn('stall watcher error; it carries on', { leadId: state.id, error: message });
      if (message !== lastError) {
        lastError = message;
        record({
          type: 'automation_failed',
          cause: `stall detection error: ${message}; it carries on when the thresholds change, on activity, or within ${formatDuration(RETRY_AFTER_ERROR_MS)}`,
        });
      }
      await condition(
        () => closed() || state.status !== status || state.activitySeq !== seq || state.thresholds?.version !== version,
        RETRY_AFTER_ERROR_MS,
      );
    }
  }
}

export function applyThresholds(
  state: LeadState,
  doc: NonNullable<LeadState['thresholds']>,
  record: RecordFn,
  how: string,
): void {
  if (state.thresholds && doc.version <= state.thresholds.version) return;
  const before = state.thresholds ? thresholdMs(state.thresholds, state.team, state.stage) : undefined;
  state.thresholds = doc;
  const after = thresholdMs(doc, state.team, state.stage);
  if (before === after && how === 'pushed on change') return; // a change that does not touch this lead's stage
  record({
    type: 'config_applied',
    cause: `stall thresholds v${doc.version} applied (${how}): ${state.stage} ${before !== undefined ? formatDuration(before) : '—'} → ${after !== undefined ? formatDuration(after) : '—'}`,
    data: { thresholdVersion: doc.version },
  });
}

/** What an escalation acts on: the lead as it was the moment the level fired. */
interface FiredAt {
  id: string;
  stage: LeadState['stage'];
  stageEntry: number;
  activitySeq: number;
  owner: string;
  team: string;
  name?: string;
  company?: string;
  email: string;
}

function firedAt(state: LeadState): FiredAt {
  return {
    id: state.id,
    stage: state.stage,
    stageEntry: state.stageEntry,
    activitySeq: state.activitySeq,
    owner: state.owner,
    team: state.team,
    name: state.name,
    company: state.company,
    email: state.email,
  };
}

async function escalate(lead: Lead, level: number, snapshot: boolean): Promise<void> {
  const { state, record } = lead;
  // before any await (patched): a move landing meanwhile changes nothing this escalation sends
  const fixed = snapshot ? firedAt(state) : undefined;
  // a run from before the patch read the live state after its awaits (the recorded behaviour)
  const at = (): FiredAt => fixed ?? firedAt(state);
  const doc = state.thresholds!;
  const threshold = thresholdMs(doc, state.team, state.stage)!;
  const idle = nowMs() - Date.parse(state.lastActivityAt);
  state.escalation = { level, since: nowIso(), thresholdVersion: doc.version, nextAt: null };
  const base = `${state.id}.${state.stageEntry}.stall${state.activitySeq}`;
  const what =
    ['', 'owner reminded', 'manager escalation, deal at risk', 'deal flagged stalled'][level] ?? `level ${level}`;
  record({
    type: 'escalation',
    cause: `no activity in ${state.stage} for ${formatDuration(idle)} (threshold ${formatDuration(threshold)} × ${doc.escalation.multipliers[level - 1]}, v${doc.version}): ${what}`,
    data: { level, thresholdVersion: doc.version, thresholdMs: threshold },
  });
  // once decided, the escalation's side effects happen even if activity arrives meanwhile
  await CancellationScope.nonCancellable(async () => {
    const people = await reads.lookupPeople({ owner: at().owner, team: at().team });
    const manager = people.manager?.id ?? `manager:${at().team}`;
    const who = at().company ?? at().name ?? at().id;
    const task = async (
      kind: string,
      assignee: string,
      title: string,
      details: string,
      priority: 'normal' | 'high' | 'urgent',
    ) => {
      const dueAt = new Date(nowMs() + 86_400_000).toISOString();
      await createLeadTask(
        state,
        record,
        { id: `${base}.l${level}.${kind}`, kind, assignee, title, details, dueAt, priority },
        `escalation level ${level}: ${title}`,
      );
    };
    const notify = (
      template: 'stall_reminder_owner' | 'escalation_manager',
      to: { name: string; email: string } | null,
    ) => {
      if (!to?.email) return;
      const s = at();
      inBackground(
        () =>
          acts.sendEmail({
            leadId: s.id,
            step: `${s.stageEntry}:stall${s.activitySeq}:l${level}`,
            template,
            locale: 'en',
            to: to.email,
            toName: to.name,
            lead: { name: s.name, company: s.company, email: s.email },
            owner: { name: people.owner?.name ?? s.owner, email: people.owner?.email ?? '' },
            vars: { stage: s.stage, stalledFor: formatDuration(idle), managerName: people.manager?.name ?? null },
            internal: true,
          }),
        (err) => record({ type: 'automation_failed', cause: `${template} email could not be sent: ${err.message}` }),
      );
    };
    if (level === 1) {
      await task(
        'stall',
        at().owner,
        `Stalled: ${who} has had no activity in ${at().stage}`,
        `No activity for ${formatDuration(idle)}. Log a call, email or meeting, or move the deal.`,
        'high',
      );
      notify('stall_reminder_owner', people.owner);
    } else if (level === 2) {
      await task(
        'escalation',
        manager,
        `At risk: ${who} (owner ${at().owner}) stalled in ${at().stage}`,
        `No activity for ${formatDuration(idle)}; the owner was reminded at level 1.`,
        'urgent',
      );
      notify('escalation_manager', people.manager);
    } else if (level === 3 && doc.escalation.autoReassign && !at().owner.startsWith('queue:')) {
      const queue = `queue:${at().team}`;
      const from = at().owner;
      // only the leaving owner's tasks go to the queue: the manager's escalation task stays theirs
      // (an activity's input is not part of replay, so running leads need no patch for this)
      const moved = await acts.reassignLeadTasks({ leadId: state.id, to: queue, actor: 'system', from });
      lead.reassign(
        queue,
        {
          type: 'automation',
          cause: `reassigned from ${from} to the team queue ${queue} (${moved} open task(s) moved)`,
          data: { from, to: queue },
        },
        { openTasksOnly: false },
      );
      await task(
        'reassigned',
        manager,
        `Reassigned: ${who} moved from ${from} to ${queue}`,
        `The deal stalled for ${formatDuration(idle)} in ${at().stage}; any rep of ${at().team} may claim its tasks.`,
        'high',
      );
    }
  });
}
