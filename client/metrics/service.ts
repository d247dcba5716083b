/**
 * Metrics for the API and the CLI: reads the lead facts (store/metrics/facts-store.ts) and the
 * forecast and goals configuration, and hands them to the pure functions of compute.ts. Each call
 * costs a bounded number of pipelined Redis round trips: the board is one HGETALL, a period reads
 * only the leads its index puts in it.
 */
import type Redis from 'ioredis';
import { OPEN_STAGES, type OpenStage } from '../../config/defaults';
import { FactsStore } from '../../store/metrics/facts-store';
import { forecastStore, type ForecastBody } from '../../store/config/forecast-store';
import { GOAL_METRICS, goalsStore, type Goal } from '../../store/config/goals-store';
import { ratesStore, type RatesBody } from '../../store/config/rates-store';
import { ValidationError } from '../../store/request-errors';
import {
  forecast,
  funnel,
  goalCurrency,
  goalsProgress,
  parsePeriod,
  periodsSpan,
  pipeline,
  segments,
  type MoneyCell,
  type SegmentBy,
} from './compute';
import { amountProblem, isCurrency, validateRates, type RatesDoc } from './money';

const DEFAULT_PERIOD_DAYS = 90;
const DAY = 86_400_000;

type Problem = { path: string; message: string };

/** from/to query values → a [from, to) range; default the last 90 days up to now. */
export function periodRange(q: { from?: string; to?: string }, now = new Date()): { from: Date; to: Date } {
  const problems: Problem[] = [];
  const parse = (name: 'from' | 'to', v: string | undefined): Date | undefined => {
    if (v === undefined) return undefined;
    const t = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) ? Date.parse(v) : NaN;
    if (Number.isNaN(t)) {
      problems.push({ path: name, message: `"${v}" is not an ISO-8601 date or time` });
      return undefined;
    }
    return new Date(t);
  };
  const to = parse('to', q.to) ?? (q.to === undefined ? now : undefined);
  const from =
    parse('from', q.from) ??
    (q.from === undefined && to ? new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY) : undefined);
  if (!problems.length && from && to && from.getTime() >= to.getTime())
    problems.push({ path: 'from', message: 'must be before to' });
  if (problems.length) throw new ValidationError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  return { from: from!, to: to! };
}

function validateProbabilities(patch: unknown): Problem[] {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch))
    return [{ path: 'probabilities', message: 'an object of stage → probability' }];
  const problems: Problem[] = [];
  for (const [stage, p] of Object.entries(patch)) {
    if (!(OPEN_STAGES as readonly string[]).includes(stage))
      problems.push({ path: `probabilities.${stage}`, message: `not an open stage (${OPEN_STAGES.join(', ')})` });
    else if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1)
      problems.push({ path: `probabilities.${stage}`, message: 'must be a number from 0 to 1' });
  }
  return problems;
}

/**
 * Validates goals as sent in a PUT: `target: null` removes a goal. A `wonValue` goal needs an ISO
 * 4217 `currency` (its target keeps the currency's minor unit); other metrics take none.
 */
function validateGoals(goals: unknown): {
  goals: (Omit<Goal, 'target'> & { target: number | null })[];
  problems: Problem[];
} {
  if (!Array.isArray(goals))
    return { goals: [], problems: [{ path: 'goals', message: 'a list of {team, period, metric, target, currency}' }] };
  const problems: Problem[] = [];
  const out: (Omit<Goal, 'target'> & { target: number | null })[] = [];
  goals.forEach((g: Record<string, unknown>, i) => {
    const at = (f: string) => `goals.${i}${f ? `.${f}` : ''}`;
    if (!g || typeof g !== 'object' || Array.isArray(g))
      return void problems.push({ path: at(''), message: 'an object {team, period, metric, target}' });
    for (const k of Object.keys(g))
      if (!['team', 'period', 'metric', 'target', 'currency'].includes(k))
        problems.push({ path: at(k), message: 'unknown field' });
    const ok = { team: true, period: true, metric: true, target: true, currency: true };
    if (typeof g.team !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(g.team)) {
      ok.team = false;
      problems.push({ path: at('team'), message: 'a team id' });
    }
    if (typeof g.period !== 'string' || !parsePeriod(g.period)) {
      ok.period = false;
      problems.push({ path: at('period'), message: 'a period: YYYY, YYYY-Qn or YYYY-MM' });
    }
    if (typeof g.metric !== 'string' || !(GOAL_METRICS as readonly string[]).includes(g.metric)) {
      ok.metric = false;
      problems.push({ path: at('metric'), message: `one of ${GOAL_METRICS.join(', ')}` });
    }
    if (
      g.target !== null &&
      (typeof g.target !== 'number' || !Number.isFinite(g.target) || g.target <= 0 || g.target > 1e12)
    ) {
      ok.target = false;
      problems.push({ path: at('target'), message: 'a number greater than 0 (null removes the goal)' });
    }
    if (g.metric === 'wonValue') {
      if (typeof g.currency !== 'string' || !isCurrency(g.currency)) {
        ok.currency = false;
        problems.push({ path: at('currency'), message: 'a wonValue goal names an ISO 4217 currency code such as EUR' });
      } else if (ok.target && typeof g.target === 'number') {
        const p = amountProblem(g.target, g.currency);
        if (p) {
          ok.target = false;
          problems.push({ path: at('target'), message: p });
        }
      }
    } else if (g.currency !== undefined && ok.metric) {
      ok.currency = false;
      problems.push({ path: at('currency'), message: `only a wonValue goal has a currency` });
    }
    if (Object.values(ok).every(Boolean)) {
      out.push({
        team: g.team as string,
        period: g.period as string,
        metric: g.metric as Goal['metric'],
        target: g.target as number | null,
        ...(g.metric === 'wonValue' ? { currency: g.currency as string } : {}),
      });
    }
  });
  return { goals: out, problems };
}

/** Applies a PUT: each goal replaces the one with the same (team, period, metric, currency); null removes it. */
function mergeGoals(current: Goal[], changes: (Omit<Goal, 'target'> & { target: number | null })[]): Goal[] {
  const money = (g: Omit<Goal, 'target'>) => (g.metric === 'wonValue' ? goalCurrency(g as Goal) : '');
  const key = (g: Omit<Goal, 'target'>) => `${g.team}\u0000${g.period}\u0000${g.metric}\u0000${money(g)}`;
  const byKey = new Map(current.map((g) => [key(g), g]));
  for (const c of changes) {
    if (c.target === null) byKey.delete(key(c));
    else
      byKey.set(key(c), {
        team: c.team,
        period: c.period,
        metric: c.metric,
        target: c.target,
        ...(c.currency ? { currency: c.currency } : {}),
      });
  }
  return [...byKey.values()].sort(
    (a, b) =>
      a.team.localeCompare(b.team) ||
      a.period.localeCompare(b.period) ||
      a.metric.localeCompare(b.metric) ||
      money(a).localeCompare(money(b)),
  );
}

export class MetricsService {
  readonly facts: FactsStore;
  readonly forecastConfig;
  readonly goalsConfig;
  readonly ratesConfig;

  constructor(redis: Redis, prefix: string) {
    this.facts = new FactsStore(redis, prefix);
    this.forecastConfig = forecastStore(redis, prefix);
    this.goalsConfig = goalsStore(redis, prefix);
    this.ratesConfig = ratesStore(redis, prefix);
  }

  /** The board counters, one cell per (team, stage, currency): a single HGETALL. */
  async board(): Promise<MoneyCell[]> {
    return this.facts.board();
  }

  /** The exchange rates when configured (version ≥ 1), else undefined: no converted totals. */
  async rates(): Promise<RatesDoc | undefined> {
    const doc = await this.ratesConfig.get();
    return doc.version > 0 ? { base: doc.base, rates: doc.rates, version: doc.version } : undefined;
  }

  async pipeline(team?: string) {
    const [cells, rates] = await Promise.all([this.board(), this.rates()]);
    return pipeline(cells, team, rates);
  }

  async forecast(team?: string) {
    const [cells, cfg, rates] = await Promise.all([this.board(), this.forecastConfig.get(), this.rates()]);
    return forecast(cells, cfg.probabilities, team, rates);
  }

  async funnel(range: { from: Date; to: Date }, team?: string) {
    const [cohort, closed] = await Promise.all([
      this.facts.createdIn(range.from.getTime(), range.to.getTime()),
      this.facts.closedIn(range.from.getTime(), range.to.getTime()),
    ]);
    const mine = <T extends { team: string }>(xs: T[]) => (team ? xs.filter((f) => f.team === team) : xs);
    return funnel(mine(cohort), mine(closed), range.from, range.to);
  }

  async segments(by: SegmentBy, range: { from: Date; to: Date }, team?: string) {
    const [cohort, rates] = await Promise.all([
      this.facts.createdIn(range.from.getTime(), range.to.getTime()),
      this.rates(),
    ]);
    return {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      ...segments(team ? cohort.filter((f) => f.team === team) : cohort, by, rates),
    };
  }

  async goals(team?: string) {
    const doc = await this.goalsConfig.get();
    const goals = team ? doc.goals.filter((g) => g.team === team) : doc.goals;
    const span = periodsSpan(goals.map((g) => g.period));
    const facts = span
      ? [...(await this.facts.closedIn(span.from, span.to)), ...(await this.facts.contactedIn(span.from, span.to))]
      : [];
    // a lead may be in both indexes: keep one copy per id
    const unique = [...new Map(facts.map((f) => [f.id, f])).values()];
    return {
      version: doc.version,
      updatedAt: doc.updatedAt,
      updatedBy: doc.updatedBy,
      goals: goalsProgress(goals, unique),
    };
  }

  async setForecast(actor: string, body: unknown): Promise<ForecastBody & { version: number }> {
    const b = (body ?? {}) as Record<string, unknown>;
    const problems: Problem[] = Object.keys(b)
      .filter((k) => k !== 'probabilities')
      .map((k) => ({ path: k, message: 'unknown field' }));
    if (!('probabilities' in b)) problems.push({ path: 'probabilities', message: 'required' });
    else problems.push(...validateProbabilities(b.probabilities));
    if (problems.length)
      throw new ValidationError(
        `invalid forecast settings: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        problems,
      );
    const patch = b.probabilities as Partial<Record<OpenStage, number>>;
    const { doc } = await this.forecastConfig.update(actor, (cur) => ({
      probabilities: { ...cur.probabilities, ...patch },
    }));
    return doc;
  }

  /** Replaces the exchange rates (`{base, rates}`, validated: 400 naming the field); versioned, audited. */
  async setRates(actor: string, body: unknown): Promise<RatesBody & { version: number }> {
    const v = validateRates(body);
    if (!v.rates)
      throw new ValidationError(
        `invalid exchange rates: ${v.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        v.problems,
      );
    const { doc } = await this.ratesConfig.update(actor, () => v.rates!);
    return doc;
  }

  async setGoals(actor: string, body: unknown, onlyTeam?: string) {
    const b = (body ?? {}) as Record<string, unknown>;
    const problems: Problem[] = Object.keys(b)
      .filter((k) => k !== 'goals')
      .map((k) => ({ path: k, message: 'unknown field' }));
    const v = validateGoals(b.goals);
    problems.push(...v.problems);
    if (problems.length)
      throw new ValidationError(
        `invalid goals: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        problems,
      );
    if (onlyTeam !== undefined) {
      const other = v.goals.find((g) => g.team !== onlyTeam);
      if (other) return { forbidden: `a manager may set goals only for team ${onlyTeam} (not ${other.team})` } as const;
    }
    const { doc } = await this.goalsConfig.update(actor, (cur) => ({ goals: mergeGoals(cur.goals, v.goals) }));
    return { doc } as const;
  }
}
