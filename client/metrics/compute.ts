/**
 * The metrics (README "HTTP API" reporting) as pure functions over lead facts (workflows/policy/facts.ts) and
 * the board counters: no I/O, so every definition here is unit-tested on its own
 * (test/client/metrics/compute.test.ts) and the README's definitions point here.
 *
 * Definitions:
 * Money is never added across currencies (client/metrics/money.ts): every sum of money is a list
 * `[{currency, amount}]` with one total per currency, and, when exchange rates are configured, a
 * `converted` total in the rates' base currency labelled with the rates' version.
 *
 * - **Pipeline** (board): open leads per stage, plus won leads still in `follow_up`. `values` are the
 *   sums of the leads' `value` per currency; `atRisk` counts escalation level 2, `stalled` level ≥ 3 (docs/ARCHITECTURE.md §7).
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
 * - **Forecast**: per open stage and currency, value × the stage's probability (rounded to the
 *   currency's minor unit); totals per currency over the six open stages.
 * - **Segments** over the cohort created in [from, to): leads, won, lost, win rate, median cycle of
 *   the won ones, won value per currency and its average per currency (over the won deals in that
 *   currency), per source, industry, size bucket or team.
 * - **Goals**: `newCustomers` = deals won in the period, `wonValue` = their won amounts in the goal's
 *   currency (deals won in other currencies are listed beside it, never added),
 *   `leadsContacted` = leads whose first email went out in the period; progress = actual / target.
 */
import { OPEN_STAGES, STAGES, type OpenStage, type Stage } from '../../config/defaults';
import type { LeadFacts } from '../../workflows/policy/facts';
import type { BoardCell } from '../../store/metrics/facts-store';
import type { Goal } from '../../store/config/goals-store';
import {
  convert,
  DEFAULT_CURRENCY,
  MoneyTotals,
  roundMoney,
  scale,
  totals,
  type Converted,
  type Money,
  type RatesDoc,
} from './money';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const round = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
const ratio = (a: number, b: number): number | null => (b > 0 ? round(a / b, 4) : null);

export function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const isWon = (f: Pick<LeadFacts, 'status'>): boolean => f.status === 'won' || f.status === 'completed';
const isLost = (f: Pick<LeadFacts, 'status'>): boolean => f.status === 'lost';

// ---- pipeline and forecast (from the board counters) ----

/** A board cell (store/metrics/facts-store.ts): one per (team, stage, currency). */
export type MoneyCell = BoardCell;

/** The converted figure when rates are configured, else nothing. */
const converted = (values: Money[], rates: RatesDoc | undefined): { converted?: Converted } =>
  rates ? { converted: convert(values, rates) } : {};

export interface PipelineStage {
  stage: Stage;
  count: number;
  /** the sum of the leads' value, one entry per currency */
  values: Money[];
  /** present when exchange rates are configured */
  converted?: Converted;
  stalled: number;
  atRisk: number;
}

export function pipeline(cells: MoneyCell[], team?: string, rates?: RatesDoc): { stages: PipelineStage[] } {
  const stages = STAGES.map((stage) => {
    const mine = cells.filter((c) => c.stage === stage && (team === undefined || c.team === team));
    const values = totals(mine.map((c) => ({ currency: c.currency, amount: c.value })));
    return {
      stage,
      count: mine.reduce((n, c) => n + c.count, 0),
      values,
      ...converted(values, rates),
      stalled: mine.reduce((n, c) => n + c.stalled, 0),
      atRisk: mine.reduce((n, c) => n + c.atRisk, 0),
    };
  });
  return { stages };
}

interface ForecastStage {
  stage: OpenStage;
  probability: number;
  /** per currency, the stage's value */
  values: Money[];
  /** per currency, value × probability rounded to the currency's minor unit */
  weightedValues: Money[];
  converted?: Converted;
  weightedConverted?: Converted;
}

export interface Forecast {
  totals: Money[];
  weightedTotals: Money[];
  converted?: Converted;
  weightedConverted?: Converted;
  byStage: ForecastStage[];
}

export function forecast(
  cells: MoneyCell[],
  probabilities: Record<OpenStage, number>,
  team?: string,
  rates?: RatesDoc,
): Forecast {
  const board = pipeline(cells, team).stages;
  const byStage: ForecastStage[] = OPEN_STAGES.map((stage) => {
    const values = board.find((s) => s.stage === stage)!.values;
    const probability = probabilities[stage];
    const weightedValues = scale(values, probability);
    return {
      stage,
      probability,
      values,
      weightedValues,
      ...converted(values, rates),
      ...(rates ? { weightedConverted: convert(weightedValues, rates) } : {}),
    };
  });
  const sum = (pick: (s: ForecastStage) => Money[]) => new MoneyTotals().addAll(byStage.flatMap(pick)).list();
  const all = sum((s) => s.values);
  const weighted = sum((s) => s.weightedValues);
  return {
    totals: all,
    weightedTotals: weighted,
    ...converted(all, rates),
    ...(rates ? { weightedConverted: convert(weighted, rates) } : {}),
    byStage,
  };
}

// ---- funnel ----

interface FunnelStage {
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
const cycleDays = (f: LeadFacts): number | null =>
  f.closedAt ? (Date.parse(f.closedAt) - Date.parse(f.createdAt)) / DAY : null;

export function funnel(cohort: LeadFacts[], closed: LeadFacts[], from: Date, to: Date): Funnel {
  const stages = STAGES.map((stage) => {
    const entered = cohort.filter((f) => f.visits.some((v) => v.stage === stage));
    const advanced = entered.filter((f) => advancedFrom(f, stage)).length;
    const stays = cohort.flatMap((f) =>
      f.visits
        .filter((v) => v.stage === stage && v.leftAt !== null)
        .map((v) => (Date.parse(v.leftAt!) - Date.parse(v.enteredAt)) / HOUR),
    );
    const m = median(stays);
    return {
      stage,
      entered: entered.length,
      advanced,
      conversion: ratio(advanced, entered.length),
      medianTimeInStageHours: m === null ? null : round(m, 2),
    };
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

/** What a segment report groups leads by. */
export type SegmentBy = 'source' | 'industry' | 'size' | 'team';

export interface Segment {
  segment: string;
  leads: number;
  won: number;
  lost: number;
  winRate: number | null;
  medianCycleDays: number | null;
  /** the won amounts, one total per currency */
  wonValues: Money[];
  /** per currency, its won total / the deals won in it */
  averageWonValues: Money[];
  wonConverted?: Converted;
}

function segmentOf(f: LeadFacts, by: SegmentBy): string {
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

/** The won deals' amounts: per currency the total and the average over the deals won in it. */
function wonMoney(won: LeadFacts[]): { wonValues: Money[]; averageWonValues: Money[] } {
  const wonValues = totals(won.map((f) => ({ currency: f.currency, amount: f.wonAmount ?? 0 })));
  const deals = (c: string) => won.filter((f) => (f.currency || DEFAULT_CURRENCY) === c).length;
  return {
    wonValues,
    averageWonValues: wonValues.map((m) => ({
      currency: m.currency,
      amount: roundMoney(m.amount / deals(m.currency), m.currency),
    })),
  };
}

export function segments(cohort: LeadFacts[], by: SegmentBy, rates?: RatesDoc): { by: SegmentBy; segments: Segment[] } {
  const groups = new Map<string, LeadFacts[]>();
  for (const f of cohort) {
    const k = segmentOf(f, by);
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  const out = [...groups.entries()].map(([segment, fs]) => {
    const won = fs.filter(isWon);
    const lost = fs.filter(isLost).length;
    const money = wonMoney(won);
    const cycle = median(won.map(cycleDays).filter((d): d is number => d !== null));
    return {
      segment,
      leads: fs.length,
      won: won.length,
      lost,
      winRate: ratio(won.length, won.length + lost),
      medianCycleDays: cycle === null ? null : round(cycle, 2),
      ...money,
      ...(rates ? { wonConverted: convert(money.wonValues, rates) } : {}),
    };
  });
  out.sort((a, b) => b.leads - a.leads || a.segment.localeCompare(b.segment));
  return { by, segments: out };
}

// ---- goals ----

export { type Goal } from '../../store/config/goals-store';

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

/** The currency of a `wonValue` goal: its own, or the default for one stored before goals named it. */
export const goalCurrency = (g: Goal): string => g.currency ?? DEFAULT_CURRENCY;

/** The amounts won by the goal's team in its period, per currency (for `wonValue`). */
function wonInPeriod(goal: Goal, facts: LeadFacts[]): Money[] {
  const r = parsePeriod(goal.period);
  if (!r) return [];
  const won = facts.filter((f) => f.team === goal.team && isWon(f) && inRange(f.closedAt, r));
  return totals(won.map((f) => ({ currency: f.currency, amount: f.wonAmount ?? 0 })));
}

/**
 * A goal's actual figure from the facts closed or contacted around its period (any superset will
 * do). For `wonValue` it is the amount won in the goal's currency only.
 */
function goalActual(goal: Goal, facts: LeadFacts[]): number {
  const r = parsePeriod(goal.period);
  if (!r) return 0;
  const mine = facts.filter((f) => f.team === goal.team);
  switch (goal.metric) {
    case 'newCustomers':
      return mine.filter((f) => isWon(f) && inRange(f.closedAt, r)).length;
    case 'wonValue':
      return wonInPeriod(goal, facts).find((m) => m.currency === goalCurrency(goal))?.amount ?? 0;
    case 'leadsContacted':
      return mine.filter((f) => inRange(f.firstEmailAt, r)).length;
  }
}

/**
 * Each goal with `actual` and `progress`; a `wonValue` goal also names its `currency` and lists
 * `wonInOtherCurrencies`: what the team won in the period in other currencies (not in `actual`).
 */
export function goalsProgress(goals: Goal[], facts: LeadFacts[]) {
  return goals.map((g) => {
    const actual = goalActual(g, facts);
    const money =
      g.metric === 'wonValue'
        ? {
            currency: goalCurrency(g),
            wonInOtherCurrencies: wonInPeriod(g, facts).filter((m) => m.currency !== goalCurrency(g)),
          }
        : {};
    return { ...g, ...money, actual, progress: ratio(actual, g.target) };
  });
}

/** The span covering every goal's period (to read the facts once), or null without goals. */
export function periodsSpan(periods: string[]): { from: number; to: number } | null {
  const rs = periods.map(parsePeriod).filter((r): r is { from: number; to: number } => !!r);
  if (!rs.length) return null;
  return { from: Math.min(...rs.map((r) => r.from)), to: Math.max(...rs.map((r) => r.to)) };
}
