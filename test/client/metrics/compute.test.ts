/** The metric definitions (client/metrics/compute.ts) on hand-made facts, with hand-computed answers. */
import {
  forecast,
  funnel,
  goalsProgress,
  median,
  parsePeriod,
  pipeline,
  segments,
  type MoneyCell,
} from '../../../client/metrics/compute';
import { DEFAULT_STAGE_PROBABILITIES, type Stage, type Status } from '../../../config/defaults';
import type { LeadFacts } from '../../../workflows/policy/facts';
import type { StageVisit } from '../../../workflows/types';

const H = 3_600_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const at = (hours: number) => new Date(T0 + hours * H).toISOString();

/** A lead created at `created` hours that walks `path` ([stage, hours entered]…), then ends as `status` at `closed`. */
function lead(
  id: string,
  o: {
    team?: string;
    source?: string;
    industry?: string;
    size?: LeadFacts['size'];
    created?: number;
    path: [Stage, number][];
    status?: Status;
    closed?: number;
    won?: number;
    value?: number;
    currency?: string;
    firstEmail?: number;
  },
): LeadFacts {
  const visits: StageVisit[] = o.path.map(([stage, h], i) => ({
    stage,
    enteredAt: at(h),
    leftAt: i + 1 < o.path.length ? at(o.path[i + 1][1]) : null,
  }));
  const status = o.status ?? 'open';
  if ((status === 'lost' || status === 'disqualified' || status === 'completed') && o.closed !== undefined)
    visits[visits.length - 1].leftAt = at(o.closed);
  return {
    id,
    seq: 1,
    team: o.team ?? 'alpha',
    owner: 'alice',
    source: o.source ?? null,
    industry: o.industry ?? 'unknown',
    size: o.size ?? 'unknown',
    campaign: null,
    value: o.value ?? 0,
    currency: o.currency ?? 'USD',
    stage: o.path[o.path.length - 1][0],
    status,
    escalationLevel: 0,
    createdAt: at(o.created ?? 0),
    closedAt: o.closed !== undefined ? at(o.closed) : null,
    completedAt: null,
    wonAmount: o.won ?? null,
    firstEmailAt: o.firstEmail !== undefined ? at(o.firstEmail) : null,
    emailsSent: 0,
    visits,
  };
}

test('median of odd and even counts, null for none', () => {
  expect(median([5, 1, 3])).toBe(3);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(median([])).toBeNull();
});

test('periods are UTC ranges: year, quarter, month; malformed ones are null', () => {
  expect(parsePeriod('2026')).toEqual({
    from: Date.parse('2026-01-01T00:00:00Z'),
    to: Date.parse('2027-01-01T00:00:00Z'),
  });
  expect(parsePeriod('2026-Q2')).toEqual({
    from: Date.parse('2026-04-01T00:00:00Z'),
    to: Date.parse('2026-07-01T00:00:00Z'),
  });
  expect(parsePeriod('2026-12')).toEqual({
    from: Date.parse('2026-12-01T00:00:00Z'),
    to: Date.parse('2027-01-01T00:00:00Z'),
  });
  for (const bad of ['2026-13', '2026-Q5', '26', '2026-1', 'soon']) expect(parsePeriod(bad)).toBeNull();
});

const eur = (amount: number) => [{ currency: 'EUR', amount }];
const cells: MoneyCell[] = [
  { team: 'alpha', stage: 'approach', currency: 'EUR', count: 2, value: 3000, atRisk: 1, stalled: 0 },
  { team: 'beta', stage: 'approach', currency: 'EUR', count: 1, value: 500.5, atRisk: 0, stalled: 1 },
  { team: 'alpha', stage: 'closing', currency: 'EUR', count: 1, value: 10000, atRisk: 0, stalled: 0 },
  { team: 'alpha', stage: 'follow_up', currency: 'EUR', count: 1, value: 7000, atRisk: 0, stalled: 0 },
];

test('the pipeline has all seven stages in order, summed over teams or for one team', () => {
  const all = pipeline(cells).stages;
  expect(all.map((s) => s.stage)).toEqual([
    'prospecting',
    'preparation',
    'approach',
    'presentation',
    'objections',
    'closing',
    'follow_up',
  ]);
  expect(all[2]).toEqual({ stage: 'approach', count: 3, values: eur(3500.5), stalled: 1, atRisk: 1 });
  expect(all[0]).toEqual({ stage: 'prospecting', count: 0, values: [], stalled: 0, atRisk: 0 });
  expect(pipeline(cells, 'beta').stages[2]).toEqual({
    stage: 'approach',
    count: 1,
    values: eur(500.5),
    stalled: 1,
    atRisk: 0,
  });
});

test('the forecast weights the six open stages by their probabilities; follow_up is not in it', () => {
  const f = forecast(cells, DEFAULT_STAGE_PROBABILITIES, 'alpha');
  // approach 3000 × 0.2 = 600; closing 10000 × 0.8 = 8000
  expect(f.totals).toEqual(eur(13000));
  expect(f.weightedTotals).toEqual(eur(8600));
  expect(f.byStage).toHaveLength(6);
  expect(f.byStage.find((s) => s.stage === 'closing')).toEqual({
    stage: 'closing',
    values: eur(10000),
    probability: 0.8,
    weightedValues: eur(8000),
  });
  expect(f.converted).toBeUndefined(); // no rates configured
});

describe('money is never added across currencies (issue: JPY 10,000,000 + EUR 60,000 in beta presentation)', () => {
  const mixed: MoneyCell[] = [
    { team: 'beta', stage: 'presentation', currency: 'JPY', count: 1, value: 10_000_000, atRisk: 0, stalled: 0 },
    { team: 'beta', stage: 'presentation', currency: 'EUR', count: 1, value: 60_000, atRisk: 0, stalled: 0 },
    { team: 'beta', stage: 'closing', currency: 'EUR', count: 1, value: 0.1, atRisk: 0, stalled: 0 },
    { team: 'beta', stage: 'closing', currency: 'EUR', count: 1, value: 0.2, atRisk: 0, stalled: 0 },
  ];
  const rates = { base: 'EUR', rates: { JPY: 0.0062, USD: 0.92 }, version: 3 };

  test('pipeline: one total per currency, sorted by code; the count is over all currencies', () => {
    const st = pipeline(mixed, 'beta').stages;
    expect(st[3]).toEqual({
      stage: 'presentation',
      count: 2,
      values: [
        { currency: 'EUR', amount: 60_000 },
        { currency: 'JPY', amount: 10_000_000 },
      ],
      stalled: 0,
      atRisk: 0,
    });
    // added in minor units: 0.1 + 0.2 is 0.3, not 0.30000000000000004
    expect(st[5].values).toEqual(eur(0.3));
  });

  test('forecast: weighted per currency, rounded to each minor unit (JPY has none)', () => {
    const f = forecast(mixed, { ...DEFAULT_STAGE_PROBABILITIES, presentation: 0.33333 }, 'beta');
    const p = f.byStage.find((s) => s.stage === 'presentation')!;
    expect(p.values).toEqual([
      { currency: 'EUR', amount: 60_000 },
      { currency: 'JPY', amount: 10_000_000 },
    ]);
    // 60000 × 0.33333 = 19999.8 EUR; 10,000,000 × 0.33333 = 3,333,300 JPY (whole yen)
    expect(p.weightedValues).toEqual([
      { currency: 'EUR', amount: 19999.8 },
      { currency: 'JPY', amount: 3_333_300 },
    ]);
    expect(f.totals).toEqual([
      { currency: 'EUR', amount: 60_000.3 },
      { currency: 'JPY', amount: 10_000_000 },
    ]);
    expect(JSON.stringify(f)).not.toContain('10060000');
  });

  test('with rates: a converted total labelled with the base currency and the rates version', () => {
    const p = pipeline(mixed, 'beta', rates).stages[3];
    // 60000 + 10,000,000 × 0.0062 = 122,000 EUR
    expect(p.converted).toEqual({ currency: 'EUR', amount: 122_000, ratesVersion: 3, missingRates: [] });
    const f = forecast(mixed, DEFAULT_STAGE_PROBABILITIES, 'beta', rates);
    // presentation 0.4 → EUR 24000 + JPY 4,000,000 (= 24,800 EUR); closing 0.8 → EUR 0.24
    expect(f.weightedConverted).toEqual({ currency: 'EUR', amount: 48_800.24, ratesVersion: 3, missingRates: [] });
  });

  test('a currency without a rate makes the converted total null and is named', () => {
    const p = pipeline(mixed, 'beta', { base: 'USD', rates: { EUR: 1.08 }, version: 4 }).stages[3];
    expect(p.converted).toEqual({ currency: 'USD', amount: null, ratesVersion: 4, missingRates: ['JPY'] });
    expect(p.values).toHaveLength(2); // the per-currency totals are still there
  });

  test('segments: won value and its average per currency', () => {
    const fs = [
      lead('1', { source: 'web', path: [['follow_up', 0]], status: 'won', closed: 10, won: 1000, currency: 'EUR' }),
      lead('2', { source: 'web', path: [['follow_up', 0]], status: 'won', closed: 10, won: 2001, currency: 'EUR' }),
      lead('3', { source: 'web', path: [['follow_up', 0]], status: 'won', closed: 10, won: 500_000, currency: 'JPY' }),
    ];
    const seg = segments(fs, 'source', { base: 'EUR', rates: {}, version: 1 }).segments[0];
    expect(seg.wonValues).toEqual([
      { currency: 'EUR', amount: 3001 },
      { currency: 'JPY', amount: 500_000 },
    ]);
    expect(seg.averageWonValues).toEqual([
      { currency: 'EUR', amount: 1500.5 },
      { currency: 'JPY', amount: 500_000 },
    ]);
    expect(seg.wonConverted).toEqual({ currency: 'EUR', amount: null, ratesVersion: 1, missingRates: ['JPY'] });
  });

  test('goals: wonValue counts the goal currency only and lists the others beside it', () => {
    const fs = [
      lead('e1', { team: 'beta', path: [['follow_up', 0]], status: 'won', closed: 10, won: 60_000, currency: 'EUR' }),
      lead('j1', {
        team: 'beta',
        path: [['follow_up', 0]],
        status: 'won',
        closed: 10,
        won: 10_000_000,
        currency: 'JPY',
      }),
      lead('u1', { team: 'beta', path: [['follow_up', 0]], status: 'won', closed: 10, won: 100 }), // USD
    ];
    const [g, legacy] = goalsProgress(
      [
        { team: 'beta', period: '2026-03', metric: 'wonValue', target: 120_000, currency: 'EUR' },
        { team: 'beta', period: '2026-03', metric: 'wonValue', target: 1000 }, // stored before goals named a currency: USD
      ],
      fs,
    );
    expect(g).toMatchObject({
      currency: 'EUR',
      actual: 60_000,
      progress: 0.5,
      wonInOtherCurrencies: [
        { currency: 'JPY', amount: 10_000_000 },
        { currency: 'USD', amount: 100 },
      ],
    });
    expect(legacy).toMatchObject({ currency: 'USD', actual: 100, progress: 0.1 });
  });
});

describe('funnel', () => {
  // created in the period (0…1000 h): a, b, c, d; e was created before it but closed in it
  const a = lead('a', {
    path: [
      ['prospecting', 0],
      ['approach', 10],
      ['closing', 30],
      ['follow_up', 40],
    ],
    status: 'won',
    closed: 40,
    won: 100,
  });
  const b = lead('b', {
    path: [
      ['prospecting', 0],
      ['approach', 20],
    ],
    status: 'lost',
    closed: 50,
  });
  const c = lead('c', {
    path: [
      ['prospecting', 0],
      ['approach', 4],
      ['prospecting', 6],
    ],
  }); // stepped back, still open
  const d = lead('d', { path: [['closing', 2]], status: 'disqualified', closed: 3 });
  const e = lead('e', {
    created: -500,
    path: [
      ['prospecting', -500],
      ['follow_up', 100],
    ],
    status: 'won',
    closed: 100,
    won: 50,
  });
  const from = new Date(T0);
  const to = new Date(T0 + 1000 * H);
  const f = funnel([a, b, c, d], [a, b, d, e], from, to);
  const st = (s: Stage) => f.stages.find((x) => x.stage === s)!;

  test('entered, advanced and conversion per stage', () => {
    // prospecting: a, b, c entered; a and b went on to a later stage; c went to approach, then back (still counts)
    expect(st('prospecting')).toMatchObject({ entered: 3, advanced: 3, conversion: 1 });
    // approach: a, b, c; only a went further (closing)
    expect(st('approach')).toMatchObject({ entered: 3, advanced: 1, conversion: 0.3333 });
    // closing: a (won → follow_up) and d (disqualified)
    expect(st('closing')).toMatchObject({ entered: 2, advanced: 1, conversion: 0.5 });
    expect(st('presentation')).toMatchObject({
      entered: 0,
      advanced: 0,
      conversion: null,
      medianTimeInStageHours: null,
    });
    expect(st('follow_up')).toMatchObject({ entered: 1, advanced: 0, conversion: 0 });
  });

  test('median time in stage over finished visits only', () => {
    // prospecting visits: a 10h, b 20h, c 4h (and c's second, unfinished, is left out) → 10
    expect(st('prospecting').medianTimeInStageHours).toBe(10);
    // approach: a 20h, b 30h (lost at 50), c 2h → 20
    expect(st('approach').medianTimeInStageHours).toBe(20);
    // closing: a 10h, d 1h → 5.5
    expect(st('closing').medianTimeInStageHours).toBe(5.5);
  });

  test('won, lost, win rate and cycle over the leads closed in the period; disqualified is neither', () => {
    expect(f.won).toBe(2);
    expect(f.lost).toBe(1);
    expect(f.winRate).toBe(0.6667);
    // cycles: a 40h = 1.6667d, e 600h = 25d → median 13.3333
    expect(f.medianCycleDays).toBe(13.33);
    expect(f.from).toBe('2026-03-01T00:00:00.000Z');
  });
});

test('segments by source over the cohort, largest first', () => {
  const fs = [
    lead('1', {
      source: 'web',
      path: [
        ['prospecting', 0],
        ['follow_up', 48],
      ],
      status: 'won',
      closed: 48,
      won: 1000,
    }),
    lead('2', {
      source: 'web',
      path: [
        ['prospecting', 0],
        ['follow_up', 24],
      ],
      status: 'completed',
      closed: 24,
      won: 3000,
    }),
    lead('3', { source: 'web', path: [['prospecting', 0]], status: 'lost', closed: 5 }),
    lead('4', { source: 'fair', path: [['prospecting', 0]] }),
    lead('5', { path: [['prospecting', 0]], status: 'lost', closed: 1 }),
  ];
  expect(segments(fs, 'source')).toEqual({
    by: 'source',
    segments: [
      {
        segment: 'web',
        leads: 3,
        won: 2,
        lost: 1,
        winRate: 0.6667,
        medianCycleDays: 1.5,
        wonValues: [{ currency: 'USD', amount: 4000 }],
        averageWonValues: [{ currency: 'USD', amount: 2000 }],
      },
      {
        segment: 'fair',
        leads: 1,
        won: 0,
        lost: 0,
        winRate: null,
        medianCycleDays: null,
        wonValues: [],
        averageWonValues: [],
      },
      {
        segment: 'unknown',
        leads: 1,
        won: 0,
        lost: 1,
        winRate: 0,
        medianCycleDays: null,
        wonValues: [],
        averageWonValues: [],
      },
    ],
  });
  expect(segments(fs, 'team').segments).toEqual([expect.objectContaining({ segment: 'alpha', leads: 5, won: 2 })]);
});

test('goals: won count and value by win time, contacted by first email, per team and period', () => {
  const mar = (day: number) => (day - 1) * 24; // hours from 1 March
  const fs = [
    lead('w1', { path: [['follow_up', 0]], status: 'won', closed: mar(5), won: 500 }),
    lead('w2', { path: [['follow_up', 0]], status: 'completed', closed: mar(20), won: 1500, firstEmail: mar(2) }),
    lead('w3', { team: 'beta', path: [['follow_up', 0]], status: 'won', closed: mar(6), won: 9999 }),
    lead('w4', { path: [['follow_up', 0]], status: 'won', closed: mar(40), won: 700, firstEmail: mar(35) }), // April
    lead('l1', { path: [['closing', 0]], status: 'lost', closed: mar(7), firstEmail: mar(3) }),
  ];
  const goals = goalsProgress(
    [
      { team: 'alpha', period: '2026-03', metric: 'newCustomers', target: 4 },
      { team: 'alpha', period: '2026-03', metric: 'wonValue', target: 1000, currency: 'USD' },
      { team: 'alpha', period: '2026-Q1', metric: 'leadsContacted', target: 3 },
      { team: 'alpha', period: '2026', metric: 'newCustomers', target: 6 },
    ],
    fs,
  );
  expect(goals.map((g) => [g.actual, g.progress])).toEqual([
    [2, 0.5],
    [2000, 2],
    [2, 0.6667],
    [3, 0.5],
  ]);
});
