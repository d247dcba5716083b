/**
 * Charts and goals: the pipeline by stage, the funnel and the forecast as inline SVG bar charts
 * (built with DOM calls, mirrored for right-to-left), and goals with progress bars. Each reads its
 * own endpoint and says "not available" when the API doesn't have it (404) or the role may not (403).
 * Money is shown per currency (README "Reporting"): the forecast has one chart per currency, since
 * amounts in different currencies do not share an axis; a converted total is shown with its rates' version.
 */
import { optional } from '../api';
import { h, replace, s } from '../dom';
import { currentLang, fmtAmounts, fmtConverted, fmtDate, fmtMoney, fmtNum, fmtPercent, t, tr } from '../i18n';
import type { Forecast, Funnel, Goals, Pipeline } from '../types';
import { errorBox, heading, loading, table, unavailable, type Ctx } from '../ui';

interface Bar {
  label: string;
  value: number;
  text: string;
  flag?: string;
}

/** A horizontal bar chart: one row per bar, label, bar, value text. */
function barChart(title: string, bars: Bar[]): SVGSVGElement {
  const W = 640;
  const ROW = 30;
  const LABEL = 150;
  const TEXT = 190;
  const H = bars.length * ROW + 10;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rtl = currentLang() === 'fa';
  const x = (pos: number, width = 0) => (rtl ? W - pos - width : pos);
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    width: '100%',
    role: 'img',
    'aria-label': title,
    class: 'chart',
    preserveAspectRatio: 'xMinYMin meet',
  });
  svg.append(s('title', {}, title));
  bars.forEach((b, i) => {
    const y = 5 + i * ROW;
    const w = Math.max(b.value > 0 ? 2 : 0, ((W - LABEL - TEXT) * b.value) / max);
    const g = s('g', { class: `bar${b.flag ? ` ${b.flag}` : ''}` });
    g.append(
      s('text', { x: x(LABEL - 8), y: y + 18, 'text-anchor': 'end', class: 'bar-label' }, b.label),
      s('rect', { x: x(LABEL, w), y: y + 4, width: w, height: ROW - 10, rx: 3, class: 'bar-rect' }),
      s('text', { x: x(LABEL + w + 6), y: y + 18, 'text-anchor': 'start', class: 'bar-value' }, b.text),
    );
    svg.append(g);
  });
  return svg;
}

async function section<T>(id: string, title: string, path: string, body: (v: T) => Node[]): Promise<HTMLElement> {
  const el = h(
    'section',
    { class: 'chart-section', attrs: { id, 'aria-labelledby': `${id}-h` } },
    heading(title, 'h2', `${id}-h`),
    loading(),
  );
  try {
    const r = await optional<T>(path);
    replace(el, heading(title, 'h2', `${id}-h`), ...(r.ok ? body(r.value) : [unavailable(r.reason)]));
  } catch (e) {
    replace(el, heading(title, 'h2', `${id}-h`), errorBox(e));
  }
  return el;
}

export async function renderCharts(ctx: Ctx): Promise<void> {
  const { root } = ctx;
  replace(root, heading(t('charts_title')), loading());
  const to = new Date();
  const from = new Date(to.getTime() - 90 * 86_400_000);
  const sections = await Promise.all([
    section('pipeline', t('pipeline_title'), '/v1/pipeline', (p: Pipeline) => [
      barChart(
        t('pipeline_title'),
        p.stages.map((x) => ({
          label: tr('stage', x.stage),
          value: x.count,
          text: `${fmtNum(x.count)} · ${fmtAmounts(x.values)}`,
        })),
      ),
      table(
        t('pipeline_title'),
        [t('col_stage'), t('col_count'), t('col_value'), t('col_at_risk'), t('col_stalled')],
        p.stages.map((x) => [
          tr('stage', x.stage),
          fmtNum(x.count),
          [fmtAmounts(x.values), fmtConverted(x.converted)].filter(Boolean).join(' '),
          fmtNum(x.atRisk),
          fmtNum(x.stalled),
        ]),
      ),
    ]),
    section(
      'funnel',
      t('funnel_title'),
      `/v1/metrics/funnel?from=${from.toISOString()}&to=${to.toISOString()}`,
      (f: Funnel) => [
        h('p', { class: 'muted' }, t('funnel_period', { from: fmtDate(f.from, false), to: fmtDate(f.to, false) })),
        barChart(
          t('funnel_title'),
          f.stages.map((x) => ({
            label: tr('stage', x.stage),
            value: x.entered,
            text: t('funnel_bar', { entered: x.entered, conversion: fmtPercent(x.conversion) }),
          })),
        ),
        h(
          'p',
          null,
          t('funnel_summary', {
            won: f.won,
            lost: f.lost,
            rate: fmtPercent(f.winRate),
            days: f.medianCycleDays === null ? '—' : fmtNum(f.medianCycleDays, { maximumFractionDigits: 1 }),
          }),
        ),
      ],
    ),
    section('forecast', t('forecast_title'), '/v1/forecast', (f: Forecast) => {
      const amount = (list: { currency: string; amount: number }[], currency: string) =>
        list.find((m) => m.currency === currency)?.amount ?? 0;
      const converted = [fmtConverted(f.converted), fmtConverted(f.weightedConverted)].filter(Boolean);
      return [
        h('p', null, t('forecast_summary', { total: fmtAmounts(f.totals), weighted: fmtAmounts(f.weightedTotals) })),
        ...(converted.length ? [h('p', { class: 'muted' }, converted.join(' · '))] : []),
        // one chart per currency: amounts in different currencies do not share an axis
        ...f.totals.map(({ currency }) =>
          barChart(
            t('forecast_currency', { currency }),
            f.byStage.map((x) => ({
              label: tr('stage', x.stage),
              value: amount(x.weightedValues, currency),
              text: t('forecast_bar', {
                weighted: fmtMoney(amount(x.weightedValues, currency), currency),
                probability: fmtPercent(x.probability),
                value: fmtMoney(amount(x.values, currency), currency),
              }),
            })),
          ),
        ),
      ];
    }),
    section('goals', t('goals_title'), '/v1/goals', (g: Goals) =>
      g.goals.length
        ? [
            h(
              'ul',
              { class: 'goals' },
              ...g.goals.map((goal, i) => {
                const id = `goal-${i}`;
                const p = Math.max(0, goal.progress);
                return h(
                  'li',
                  null,
                  h(
                    'label',
                    { attrs: { for: id } },
                    `${tr('metric', goal.metric)} — ${t('goal_line', { team: goal.team, period: goal.period })}`,
                  ),
                  h('progress', { attrs: { id, max: 1, value: Math.min(1, p) } }, fmtPercent(p)),
                  h(
                    'span',
                    { class: 'goal-text' },
                    t(
                      'goal_progress',
                      goal.currency
                        ? {
                            actual: fmtMoney(goal.actual, goal.currency),
                            target: fmtMoney(goal.target, goal.currency),
                            percent: fmtPercent(p),
                          }
                        : { actual: fmtNum(goal.actual), target: fmtNum(goal.target), percent: fmtPercent(p) },
                    ),
                  ),
                  ...(goal.wonInOtherCurrencies?.length
                    ? [
                        h(
                          'span',
                          { class: 'muted goal-other' },
                          t('goal_other_currencies', { amounts: fmtAmounts(goal.wonInOtherCurrencies) }),
                        ),
                      ]
                    : []),
                );
              }),
            ),
          ]
        : [h('p', { class: 'muted' }, t('no_goals'))],
    ),
  ]);
  replace(root, heading(t('charts_title')), ...sections);
}
