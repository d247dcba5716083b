/**
 * Stall thresholds (docs/ARCHITECTURE.md §7; README "HTTP API"): the document's shape, the effective threshold of a (team, stage),
 * the escalation ladder's fire times, and validation with field paths. Pure; shared by the
 * workflow, the API and the tests.
 */
import { OPEN_STAGES, type OpenStage, type Stage } from '../../config/defaults';
import { durationProblem, parseDuration } from './duration';

export interface ThresholdsBody {
  global: Partial<Record<OpenStage, string>>;
  teams: Record<string, Partial<Record<OpenStage, string>>>;
  escalation: { multipliers: number[]; autoReassign: boolean };
}
export interface ThresholdsDoc extends ThresholdsBody {
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
}

/** The effective stall threshold in ms for a team's stage; undefined for follow_up (it does not stall). */
export function thresholdMs(doc: ThresholdsBody, team: string, stage: Stage): number | undefined {
  if (stage === 'follow_up') return undefined;
  const text = doc.teams[team]?.[stage] ?? doc.global[stage];
  return text === undefined ? undefined : parseDuration(text);
}

/**
 * When the next escalation level fires: lastActivity + threshold × multipliers[level]. Undefined
 * when the ladder is exhausted or the stage has no threshold.
 */
export function nextEscalationAt(
  doc: ThresholdsBody,
  team: string,
  stage: Stage,
  lastActivityMs: number,
  level: number,
): number | undefined {
  const t = thresholdMs(doc, team, stage);
  const m = doc.escalation.multipliers[level];
  if (t === undefined || m === undefined) return undefined;
  return lastActivityMs + t * m;
}

const STAGE_SET = new Set<string>(OPEN_STAGES);

/**
 * The largest escalation multiplier: with the longest threshold (MAX_DURATION_MS) every level's
 * time stays a date a timer can wait for (docs/CONFIG.md, "Durations").
 */
const MAX_MULTIPLIER = 100;

/** `removable`: a team's override may be removed with null; a global threshold may not (every open stage keeps one). */
function checkStages(
  obj: unknown,
  path: string,
  problems: { path: string; message: string }[],
  removable: boolean,
): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    problems.push({ path, message: 'must be an object of stage → duration' });
    return;
  }
  for (const [stage, value] of Object.entries(obj)) {
    const p = `${path}.${stage}`;
    if (!STAGE_SET.has(stage)) {
      problems.push({ path: p, message: `unknown stage; stages with thresholds are ${OPEN_STAGES.join(', ')}` });
      continue;
    }
    if (value === null) {
      if (!removable)
        problems.push({ path: p, message: 'a global threshold cannot be removed; give a duration such as "3d"' });
      continue; // null removes a team override
    }
    const problem = durationProblem(value);
    if (problem) problems.push({ path: p, message: problem });
  }
}

/** Validates a PUT body (a partial document); returns field problems (empty when valid). */
export function validateThresholdsPatch(patch: unknown): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
    return [{ path: '(body)', message: 'must be an object' }];
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'global') checkStages(v, 'global', problems, false);
    else if (k === 'teams') {
      if (v === null || typeof v !== 'object' || Array.isArray(v))
        problems.push({ path: 'teams', message: 'must be an object of team → stages' });
      else
        for (const [team, stages] of Object.entries(v)) {
          if (!/^[A-Za-z0-9._-]{1,64}$/.test(team)) problems.push({ path: `teams.${team}`, message: 'not a team id' });
          else if (stages !== null) checkStages(stages, `teams.${team}`, problems, true);
        }
    } else if (k === 'escalation') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        problems.push({ path: 'escalation', message: 'must be an object' });
        continue;
      }
      for (const [ek, ev] of Object.entries(v)) {
        if (ek === 'multipliers') {
          if (!Array.isArray(ev) || ev.length !== 3)
            problems.push({ path: 'escalation.multipliers', message: 'must be three numbers, one per level' });
          else
            ev.forEach((m, i) => {
              if (typeof m !== 'number' || !Number.isFinite(m) || m <= 0)
                problems.push({ path: `escalation.multipliers.${i}`, message: 'must be a number > 0' });
              else if (m > MAX_MULTIPLIER)
                problems.push({ path: `escalation.multipliers.${i}`, message: `must be at most ${MAX_MULTIPLIER}` });
              else if (i > 0 && typeof ev[i - 1] === 'number' && m <= ev[i - 1])
                problems.push({
                  path: `escalation.multipliers.${i}`,
                  message: 'must be greater than the level before',
                });
            });
        } else if (ek === 'autoReassign') {
          if (typeof ev !== 'boolean')
            problems.push({ path: 'escalation.autoReassign', message: 'must be true or false' });
        } else problems.push({ path: `escalation.${ek}`, message: 'unknown field' });
      }
    } else if (!['version', 'updatedAt', 'updatedBy'].includes(k)) problems.push({ path: k, message: 'unknown field' });
  }
  return problems;
}

/** Applies a validated patch: stage values replace, `null` removes a team override (or a whole team). */
export function applyThresholdsPatch(current: ThresholdsBody, patch: Partial<ThresholdsBody>): ThresholdsBody {
  const next: ThresholdsBody = {
    global: { ...current.global, ...(patch.global ?? {}) },
    teams: { ...current.teams },
    escalation: { ...current.escalation, ...(patch.escalation ?? {}) },
  };
  for (const [team, stages] of Object.entries(patch.teams ?? {})) {
    if (stages === null) {
      delete next.teams[team];
      continue;
    }
    const merged: Record<string, string> = { ...(next.teams[team] ?? {}) };
    for (const [s, v] of Object.entries(stages)) {
      if (v === null) delete merged[s];
      else merged[s] = v;
    }
    next.teams[team] = merged;
  }
  return next;
}

/** The stages and teams whose effective threshold got shorter (only those leads need waking). */
export function shortenedScopes(
  before: ThresholdsBody,
  after: ThresholdsBody,
  teams: string[],
): { team: string; stage: OpenStage }[] {
  const out: { team: string; stage: OpenStage }[] = [];
  const multBefore = before.escalation.multipliers;
  const multAfter = after.escalation.multipliers;
  const multShorter = multAfter.some((m, i) => m < (multBefore[i] ?? Infinity));
  for (const team of teams) {
    for (const stage of OPEN_STAGES) {
      const a = thresholdMs(before, team, stage);
      const b = thresholdMs(after, team, stage);
      if (b !== undefined && (a === undefined || b < a || multShorter)) out.push({ team, stage });
    }
  }
  return out;
}
