/**
 * The metrics (SPEC §7 reporting) as pure functions over lead facts (workflows/policy/facts.ts) and
 * the board counters: no I/O, so every definition here is unit-tested on its own
 * (test/client/metrics/compute.test.ts) and the README's definitions point here.
 *
 * Definitions:
 * - **Pipeline** (board): open leads per stage, plus won leads still in `follow_up`. `value` is the
 *   sum of the leads' `value`; `atRisk` counts escalation level 2, `stalled` level ≥ 3 (SPEC §3).
 * - **Funnel** over a period [from, to):
 *   - the cohort is the leads *created* in the period;
 *   - `entered`: cohort leads that ever entered the stage;
 *   - `advanced`: of those, how many entered a later stage (by the stage order) after first entering
 *     it; a win counts, since it enters `follow_up`. For `follow_up`, advanced = follow-up completed;
 *   - `conversion` = advanced / entered (null when nobody entered);
 *   - `medianTimeInStageHours`: the median length of the cohort's *finished* visits of the stage
 *     (a visit ends with a move, a win, a loss or completion; visits still running are left out);
 *   - `won`, `lost`, `winRate` = won / (won + lost), and `medianCycleDays` (created → won) are over
 *     the leads *closed* (won or lost) in the period, whenever they were created. Disqualified leads
 *     are not opportunities and count in neither.
 * - **Forecast**: per open stage, value × the stage's probability; totals over the six open stages.
 * - **Segments** over the cohort created in [from, to): leads, won, lost, win rate, median cycle of
 *   the won ones, won value and its average, per source, industry, size bucket or team.
 * - **Goals**: `newCustomers` = deals won in the period, `wonValue` = their won amounts,
 *   `leadsContacted` = leads whose first email went out in the period; progress = actual / target.
 */
import { OPEN_STAGES, STAGES, type OpenStage, type Stage } from '../../config/defaults';
import type { LeadFacts } from '../../workflows/policy/facts';
import type { BoardCell } from '../../activities/metrics/facts-store';
import type { Goal } from '../../activities/config/goals-store';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const round = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
const money = (n: number) => round(n, 2);
const ratio = (a: number, b: number): number | null => (b > 0 ? round(a / b, 4) : null);

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const isWon = (f: Pick<LeadFacts, 'status'>): boolean => f.status === 'won' || f.status === 'completed';
export const isLost = (f: Pick<LeadFacts, 'status'>): boolean => f.status === 'lost';

// ---- pipeline and forecast (from the board counters) ----

export interface PipelineStage {
  stage: Stage;
  count: number;
  value: number;
  stalled: number;
  atRisk: number;
}

export function pipeline(cells: BoardCell[], team?: string): { stages: PipelineStage[] } {
  const stages = STAGES.map((stage) => {
    const mine = cells.filter((c) => c.stage === stage && (team === undefined || c.team === team));
    return {
      stage,
      count: mine.reduce((n, c) => n + c.count, 0),
      value: money(mine.reduce((n, c) => n + c.value, 0)),
      stalled: mine.reduce((n, c) => n + c.stalled, 0),
      atRisk: mine.reduce((n, c) => n + c.atRisk, 0),
    };
  });
  return { stages };
}

export interface ForecastStage {
  stage: OpenStage;
  value: number;
  probability: number;
  weighted: number;
}

export function forecast(cells: BoardCell[], probabilities: Record<OpenStage, number>, team?: string) {
  const board = pipeline(cells, team).stages;
  const byStage: ForecastStage[] = OPEN_STAGES.map((stage) => {
    const value = board.find((s) => s.stage === stage)!.value;
    const probability = probabilities[stage];
    return { stage, value, probability, weighted: money(value * probability) };
  });
  return {
    total: money(byStage.reduce((n, s) => n + s.value, 0)),
    weighted: money(byStage.reduce((n, s) => n + s.weighted, 0)),
    byStage,
  };
}

// ---- funnel ----

export interface FunnelStage {
  stage: Stage;
  entered: number;
  advanced: number;
  conversion: number | null;
  medianTimeInStageHours: number | null;
}

export interface Funnel {
  from: string;
  to: string;
  stages: FunnelStage[];
  won: number;
  lost: number;
  winRate: number | null;
  medianCycleDays: number | null;
}

const stageIndex = (s: Stage): number => STAGES.indexOf(s);

/** Did the lead, after first entering `stage`, enter a later stage? */
function advancedFrom(f: LeadFacts, stage: Stage): boolean {
  if (stage === 'follow_up') return f.status === 'completed';
  const first = f.visits.findIndex((v) => v.stage === stage);
  return first >= 0 && f.visits.slice(first + 1).some((v) => stageIndex(v.stage) > stageIndex(stage));
}

/** Cycle length of a won lead in days (created → won). */
const cycleDays = (f: LeadFacts): number | null => (f.closedAt ? (Date.parse(f.closedAt) - Date.parse(f.createdAt)) / DAY : null);

export function funnel(cohort: LeadFacts[], closed: LeadFacts[], from: Date, to: Date): Funnel {
  const stages = STAGES.map((stage) => {
    const entered = cohort.filter((f) => f.visits.some((v) => v.stage === stage));
    const advanced = entered.filter((f) => advancedFrom(f, stage)).length;
    const stays = cohort.flatMap((f) =>
      f.visits.filter((v) => v.stage === stage && v.leftAt !== null).map((v) => (Date.parse(v.leftAt!) - Date.parse(v.enteredAt)) / HOUR),
    );
    const m = median(stays);
    return { stage, entered: entered.length, advanced, conversion: ratio(advanced, entered.length), medianTimeInStageHours: m === null ? null : round(m, 2) };
  });
  const won = closed.filter(isWon);
  const lost = closed.filter(isLost);
  const cycle = median(won.map(cycleDays).filter((d): d is number => d !== null));
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    stages,
    won: won.length,
    lost: lost.length,
    winRate: ratio(won.length, won.length + lost.length),
    medianCycleDays: cycle === null ? null : round(cycle, 2),
  };
}

// ---- segments ----

export const SEGMENT_BY = ['source', 'industry', 'size', 'team'] as const;
export type SegmentBy = (typeof SEGMENT_BY)[number];

export interface Segment {
  segment: string;
  leads: number;
  won: number;
  lost: number;
  winRate: number | null;
  medianCycleDays: number | null;
  wonValue: number;
  averageWonValue: number | null;
}

export function segmentOf(f: LeadFacts, by: SegmentBy): string {
  switch (by) {
    case 'source':
      return f.source ?? 'unknown';
    case 'industry':
      return f.industry;
    case 'size':
      return f.size;
    case 'team':
      return f.team;
  }
}

export function segments(cohort: LeadFacts[], by: SegmentBy): { by: SegmentBy; segments: Segment[] } {
  const groups = new Map<string, LeadFacts[]>();
  for (const f of cohort) {
    const k = segmentOf(f, by);
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  const out = [...groups.entries()].map(([segment, fs]) => {
    const won = fs.filter(isWon);
    const lost = fs.filter(isLost).length;
    const wonValue = money(won.reduce((n, f) => n + (f.wonAmount ?? 0), 0));
    const cycle = median(won.map(cycleDays).filter((d): d is number => d !== null));
    return {
      segment,
      leads: fs.length,
      won: won.length,
      lost,
      winRate: ratio(won.length, won.length + lost),
      medianCycleDays: cycle === null ? null : round(cycle, 2),
      wonValue,
      averageWonValue: won.length ? money(wonValue / won.length) : null,
    };
  });
  out.sort((a, b) => b.leads - a.leads || a.segment.localeCompare(b.segment));
  return { by, segments: out };
}

// ---- goals ----

export { GOAL_METRICS, type Goal, type GoalMetric } from '../../activities/config/goals-store';

/** A period `YYYY`, `YYYY-Qn` or `YYYY-MM` as a UTC [from, to) range; null when malformed. */
export function parsePeriod(period: string): { from: number; to: number } | null {
  let m = /^(\d{4})$/.exec(period);
  if (m) return { from: Date.UTC(+m[1], 0, 1), to: Date.UTC(+m[1] + 1, 0, 1) };
  m = /^(\d{4})-Q([1-4])$/.exec(period);
  if (m) return { from: Date.UTC(+m[1], (+m[2] - 1) * 3, 1), to: Date.UTC(+m[1], +m[2] * 3, 1) };
  m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (m) return { from: Date.UTC(+m[1], +m[2] - 1, 1), to: Date.UTC(+m[1], +m[2], 1) };
  return null;
}

const inRange = (iso: string | null, r: { from: number; to: number }): boolean => {
  if (!iso) return false;
  const t = Date.parse(iso);
  return t >= r.from && t < r.to;
};

/** A goal's actual figure from the facts closed or contacted around its period (any superset will do). */
export function goalActual(goal: Goal, facts: LeadFacts[]): number {
  const r = parsePeriod(goal.period);
  if (!r) return 0;
  const mine = facts.filter((f) => f.team === goal.team);
  switch (goal.metric) {
    case 'newCustomers':
      return mine.filter((f) => isWon(f) && inRange(f.closedAt, r)).length;
    case 'wonValue':
      return money(mine.filter((f) => isWon(f) && inRange(f.closedAt, r)).reduce((n, f) => n + (f.wonAmount ?? 0), 0));
    case 'leadsContacted':
      return mine.filter((f) => inRange(f.firstEmailAt, r)).length;
  }
}

export function goalsProgress(goals: Goal[], facts: LeadFacts[]) {
  return goals.map((g) => {
    const actual = goalActual(g, facts);
    return { ...g, actual, progress: ratio(actual, g.target) };
  });
}

/** The span covering every goal's period (to read the facts once), or null without goals. */
export function periodsSpan(periods: string[]): { from: number; to: number } | null {
  const rs = periods.map(parsePeriod).filter((r): r is { from: number; to: number } => !!r);
  if (!rs.length) return null;
  return { from: Math.min(...rs.map((r) => r.from)), to: Math.max(...rs.map((r) => r.to)) };
}
