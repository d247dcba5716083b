/**
 * Which stage moves are legal (README "What happens to a lead"). Pure; the workflow's update validators, the API and the
 * web page all ask this one function, so they can never disagree.
 */
import { STAGES, type Stage, type Status } from '../../config/defaults';

export type MoveVerdict =
  | { ok: true }
  | { ok: false; code: 'unknown_stage' | 'closed' | 'same_stage' | 'follow_up_only_by_won'; reason: string };

export function isStage(s: string): s is Stage {
  return (STAGES as readonly string[]).includes(s);
}

export function checkMove(current: { stage: Stage; status: Status }, to: string): MoveVerdict {
  if (!isStage(to)) {
    return { ok: false, code: 'unknown_stage', reason: `unknown stage "${to}"; stages are ${STAGES.join(', ')}` };
  }
  if (current.status !== 'open') {
    return { ok: false, code: 'closed', reason: `the deal is ${current.status}; a closed deal cannot be moved` };
  }
  if (to === 'follow_up') {
    return { ok: false, code: 'follow_up_only_by_won', reason: 'follow_up is entered only by marking the deal won' };
  }
  if (to === current.stage) {
    return { ok: false, code: 'same_stage', reason: `the deal is already in ${to}` };
  }
  return { ok: true };
}

export function checkClose(current: { status: Status }, outcome: 'won' | 'lost' | 'disqualified'): MoveVerdict {
  if (current.status !== 'open') {
    return {
      ok: false,
      code: 'closed',
      reason: `the deal is already ${current.status}; it cannot be marked ${outcome}`,
    };
  }
  return { ok: true };
}

/** Whether activity (calls, notes, replies) may still be logged on a lead in this status. */
export function acceptsActivity(status: Status): boolean {
  return status === 'open' || status === 'won';
}
