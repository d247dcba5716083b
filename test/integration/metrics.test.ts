/**
 * Reporting on the real stack (Temporal dev server, Redis, SMTP catcher, in-process worker and
 * API): seven leads in two teams are created, moved, won and lost, two of them left to stall; then
 * the board, funnel, forecast, segments and goals are checked against the hand computation written
 * out below, along with the role rules and the Prometheus `/metrics`.
 *
 * | lead | team  | owner | source  | value | path                                             | end                     |
 * |------|-------|-------|---------|-------|--------------------------------------------------|-------------------------|
 * | a1   | alpha | alice | web     | 1000  | prospecting → preparation → presentation → closing | won 1200 (follow_up)  |
 * | a2   | alpha | bob   | web     | 2000  | approach (created there; intro email sent)       | lost                    |
 * | a3   | alpha | alice | fair    | 3000  | prospecting → objections                         | open, at risk (level 2) |
 * | a4   | alpha | alice | fair    | 800   | prospecting → preparation                        | lost                    |
 * | a5   | alpha | bob   | partner | 10000 | closing (created there)                          | open                    |
 * | b1   | beta  | carol | web     | 4000  | closing (created there)                          | won 5000 (follow_up)    |
 * | b2   | beta  | carol | fair    | 500   | prospecting                                      | open, stalled (level 3) |
 *
 * Thresholds: multipliers 1, 2, 100; alpha objections 10s (a3: level 2 at 20 s, level 3 only at
 * 2000 s), beta prospecting 10ms (b2: level 3 at 2 s). Enrichment is not configured: industry and
 * size are `unknown`.
 */
import { startMailCatcher, type MailCatcher } from '../../devstack/services';
import { KEYS, eventually, startStack, type Stack } from '../support/stack';
import { runCli } from '../support/cli';

jest.setTimeout(240_000);
let mail: MailCatcher;
let stack: Stack;

const lead = (id: string, team: string, owner: string, source: string, value: number, stage?: string) =>
  stack.call('POST', '/v1/leads', KEYS.admin, {
    id,
    email: `${id}@customer-${id}.test`,
    owner,
    team,
    source,
    value,
    currency: 'EUR',
    cadence: 'now',
    ...(stage ? { stage } : {}),
  });
const move = async (id: string, to: string) =>
  expect((await stack.call('POST', `/v1/leads/${id}/stage`, KEYS.admin, { to })).status).toBe(200);
const emailed = (id: string) =>
  eventually(async () => (await stack.runtime.leads.get(id)).emails.length > 0, 60_000, `an email to ${id}`);
const level = (id: string, n: number) =>
  eventually(async () => (await stack.runtime.leads.get(id)).escalation.level === n, 90_000, `${id} at level ${n}`);
/** Polls a GET until its body matches (the facts are written just after each change). */
async function settled(path: string, key: string, expected: unknown): Promise<any> {
  let last: unknown;
  try {
    return await eventually(
      async () => {
        const r = await stack.call('GET', path, key);
        last = r.body;
        try {
          expect(r.status).toBe(200);
          expect(r.body).toMatchObject(expected as object);
          return r.body;
        } catch {
          return undefined;
        }
      },
      60_000,
      path,
    );
  } catch (e) {
    expect(last).toMatchObject(expected as object); // shows the difference
    throw e;
  }
}
/** Amounts in EUR, the currency of every lead here (money is given per currency: client/metrics/money.ts). */
const eur = (amount: number) => (amount ? [{ currency: 'EUR', amount }] : []);
const stage = (stage: string, count: number, value: number, stalled = 0, atRisk = 0) => ({
  stage,
  count,
  values: eur(value),
  stalled,
  atRisk,
});

beforeAll(async () => {
  mail = await startMailCatcher({});
  stack = await startStack({ config: { SMTP_URL: mail.smtpUrl } });
  const th = await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, {
    escalation: { multipliers: [1, 2, 100] },
    teams: { alpha: { objections: '10s' }, beta: { prospecting: '10ms' } },
  });
  expect(th.status).toBe(200);
  const cad = await stack.call('PUT', '/v1/config/cadences', KEYS.marketing, {
    cadences: {
      now: {
        steps: [
          { after: '0s', template: 'approach_intro' },
          { after: '30d', template: 'approach_followup_1' },
        ],
        businessHours: null,
      },
    },
  });
  expect(cad.status).toBe(200);

  for (const [id, team, owner, source, value, st] of [
    ['a1', 'alpha', 'alice', 'web', 1000],
    ['a2', 'alpha', 'bob', 'web', 2000, 'approach'],
    ['a3', 'alpha', 'alice', 'fair', 3000],
    ['a4', 'alpha', 'alice', 'fair', 800],
    ['a5', 'alpha', 'bob', 'partner', 10000, 'closing'],
    ['b1', 'beta', 'carol', 'web', 4000, 'closing'],
    ['b2', 'beta', 'carol', 'fair', 500],
  ] as const) {
    expect((await lead(id, team, owner, source, value, st)).status).toBe(201);
  }
  for (const to of ['preparation', 'presentation', 'closing']) await move('a1', to);
  expect((await stack.call('POST', '/v1/leads/a1/won', KEYS.alice, { amount: 1200 })).status).toBe(200);
  await emailed('a2'); // the intro went out before the loss
  expect((await stack.call('POST', '/v1/leads/a2/lost', KEYS.bob, { reason: 'went elsewhere' })).status).toBe(200);
  await move('a3', 'objections');
  await move('a4', 'preparation');
  expect((await stack.call('POST', '/v1/leads/a4/lost', KEYS.alice, { reason: 'no budget' })).status).toBe(200);
  expect((await stack.call('POST', '/v1/leads/b1/won', KEYS.carol, { amount: 5000 })).status).toBe(200);
  await Promise.all(['a1', 'a3', 'a5', 'b1'].map(emailed));
  await level('b2', 3);
  await level('a3', 2);
});
afterAll(async () => {
  await stack?.stop();
  await mail?.stop();
});

test('the pipeline board: open leads and won ones in follow_up, value, at risk and stalled, per team', async () => {
  await settled('/v1/pipeline', KEYS.marketing, {
    stages: [
      stage('prospecting', 1, 500, 1, 0),
      stage('preparation', 0, 0),
      stage('approach', 0, 0),
      stage('presentation', 0, 0),
      stage('objections', 1, 3000, 0, 1),
      stage('closing', 1, 10000),
      stage('follow_up', 2, 6200),
    ],
  });
  // a manager's board is their team's, asked for or not
  const alpha = [
    stage('prospecting', 0, 0),
    stage('preparation', 0, 0),
    stage('approach', 0, 0),
    stage('presentation', 0, 0),
    stage('objections', 1, 3000, 0, 1),
    stage('closing', 1, 10000),
    stage('follow_up', 1, 1200),
  ];
  expect((await stack.call('GET', '/v1/pipeline', KEYS.managerAlpha)).body).toEqual({ stages: alpha });
  expect((await stack.call('GET', '/v1/pipeline?team=alpha', KEYS.admin)).body).toEqual({ stages: alpha });
  expect((await stack.call('GET', '/v1/pipeline?team=beta', KEYS.managerAlpha)).status).toBe(403);
  expect((await stack.call('GET', '/v1/pipeline', KEYS.alice)).status).toBe(403);
  expect((await stack.call('GET', '/v1/pipeline')).status).toBe(401);
  const bad = await stack.call('GET', '/v1/pipeline?tea=alpha', KEYS.admin);
  expect(bad.status).toBe(400);
});

test('the funnel: entered, advanced, conversion per stage; won, lost, win rate over the period', async () => {
  const body = await settled('/v1/metrics/funnel', KEYS.admin, { won: 2, lost: 2, winRate: 0.5 });
  const st = (s: string) => body.stages.find((x: { stage: string }) => x.stage === s);
  expect(body.stages.map((s: { stage: string }) => s.stage)).toEqual([
    'prospecting',
    'preparation',
    'approach',
    'presentation',
    'objections',
    'closing',
    'follow_up',
  ]);
  // prospecting: a1, a3, a4, b2 entered; a1, a3, a4 went on (b2 is still there)
  expect(st('prospecting')).toMatchObject({ entered: 4, advanced: 3, conversion: 0.75 });
  expect(st('preparation')).toMatchObject({ entered: 2, advanced: 1, conversion: 0.5 }); // a1 went on, a4 was lost
  expect(st('approach')).toMatchObject({ entered: 1, advanced: 0, conversion: 0 }); // a2, lost
  expect(st('presentation')).toMatchObject({ entered: 1, advanced: 1, conversion: 1 }); // a1
  expect(st('objections')).toMatchObject({ entered: 1, advanced: 0, conversion: 0, medianTimeInStageHours: null }); // a3 is still there
  expect(st('closing')).toMatchObject({ entered: 3, advanced: 2, conversion: 0.6667 }); // a1, b1 won; a5 open
  expect(st('follow_up')).toMatchObject({ entered: 2, advanced: 0, conversion: 0, medianTimeInStageHours: null });
  // every finished stay took seconds: a number, well under an hour
  for (const s of ['prospecting', 'preparation', 'approach', 'presentation', 'closing']) {
    expect(st(s).medianTimeInStageHours).toBeGreaterThanOrEqual(0);
    expect(st(s).medianTimeInStageHours).toBeLessThan(1);
  }
  expect(body.medianCycleDays).toBeGreaterThanOrEqual(0);
  expect(body.medianCycleDays).toBeLessThan(0.1);
  // alpha only (the manager's view): a1 won; a2 and a4 lost
  const alpha = (await stack.call('GET', '/v1/metrics/funnel', KEYS.managerAlpha)).body;
  expect(alpha).toMatchObject({ won: 1, lost: 2, winRate: 0.3333 });
  expect(alpha.stages.find((x: { stage: string }) => x.stage === 'closing')).toMatchObject({
    entered: 2,
    advanced: 1,
    conversion: 0.5,
  });
  // a period before any lead: nothing
  const empty = await stack.call('GET', '/v1/metrics/funnel?from=2020-01-01&to=2020-02-01', KEYS.marketing);
  expect(empty.body).toMatchObject({
    from: '2020-01-01T00:00:00.000Z',
    to: '2020-02-01T00:00:00.000Z',
    won: 0,
    lost: 0,
    winRate: null,
    medianCycleDays: null,
  });
  expect(empty.body.stages[0]).toEqual({
    stage: 'prospecting',
    entered: 0,
    advanced: 0,
    conversion: null,
    medianTimeInStageHours: null,
  });
  const bad = await stack.call('GET', '/v1/metrics/funnel?from=yesterday&to=2020-01-01', KEYS.admin);
  expect(bad.status).toBe(400);
  expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['from']);
  expect(
    (await stack.call('GET', '/v1/metrics/funnel?from=2021-01-01&to=2020-01-01', KEYS.admin)).body.error.details[0]
      .path,
  ).toBe('from');
  expect((await stack.call('GET', '/v1/metrics/funnel', KEYS.carol)).status).toBe(403);
});

test('the forecast weights open stages by the configured probabilities; only admins change them', async () => {
  expect(
    (await stack.call('PUT', '/v1/config/forecast', KEYS.managerAlpha, { probabilities: { closing: 0.5 } })).status,
  ).toBe(403);
  const bad = await stack.call('PUT', '/v1/config/forecast', KEYS.admin, { probabilities: { closing: 1.5, won: 0.1 } });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
    'probabilities.closing',
    'probabilities.won',
  ]);
  const put = await stack.call('PUT', '/v1/config/forecast', KEYS.admin, { probabilities: { closing: 0.5 } });
  expect(put.body).toMatchObject({
    version: 1,
    updatedBy: 'admin',
    probabilities: { prospecting: 0.05, objections: 0.6, closing: 0.5 },
  });
  expect((await stack.call('GET', '/v1/config/forecast/history', KEYS.managerAlpha)).body.items[0]).toMatchObject({
    version: 1,
    by: 'admin',
    old: { probabilities: { closing: 0.8 } },
    new: { probabilities: { closing: 0.5 } },
  });

  // all: prospecting 500 × 0.05 = 25; objections 3000 × 0.6 = 1800; closing 10000 × 0.5 = 5000
  const all = await settled('/v1/forecast', KEYS.admin, { totals: eur(13500), weightedTotals: eur(6825) });
  expect(all.byStage).toHaveLength(6);
  expect(all.byStage.find((s: { stage: string }) => s.stage === 'closing')).toEqual({
    stage: 'closing',
    values: eur(10000),
    probability: 0.5,
    weightedValues: eur(5000),
  });
  expect((await stack.call('GET', '/v1/forecast', KEYS.managerAlpha)).body).toMatchObject({
    totals: eur(13000),
    weightedTotals: eur(6800),
  });
  expect((await stack.call('GET', '/v1/forecast', KEYS.managerBeta)).body).toMatchObject({
    totals: eur(500),
    weightedTotals: eur(25),
  });
  expect((await stack.call('GET', '/v1/forecast', KEYS.alice)).status).toBe(403);
  expect((await stack.call('GET', '/v1/forecast', KEYS.marketing)).status).toBe(403);
});

test('segments by source and team over the cohort; an unknown `by` is a 400 naming it', async () => {
  await settled('/v1/metrics/segments?by=source', KEYS.marketing, {
    by: 'source',
    segments: [
      {
        segment: 'fair',
        leads: 3,
        won: 0,
        lost: 1,
        winRate: 0,
        medianCycleDays: null,
        wonValues: [],
        averageWonValues: [],
      },
      { segment: 'web', leads: 3, won: 2, lost: 1, winRate: 0.6667, wonValues: eur(6200), averageWonValues: eur(3100) },
      {
        segment: 'partner',
        leads: 1,
        won: 0,
        lost: 0,
        winRate: null,
        medianCycleDays: null,
        wonValues: [],
        averageWonValues: [],
      },
    ],
  });
  const team = (await stack.call('GET', '/v1/metrics/segments?by=team', KEYS.admin)).body;
  expect(team.segments).toMatchObject([
    { segment: 'alpha', leads: 5, won: 1, lost: 2, winRate: 0.3333, wonValues: eur(1200), averageWonValues: eur(1200) },
    { segment: 'beta', leads: 2, won: 1, lost: 0, winRate: 1, wonValues: eur(5000), averageWonValues: eur(5000) },
  ]);
  expect((await stack.call('GET', '/v1/metrics/segments?by=size', KEYS.managerBeta)).body.segments).toMatchObject([
    { segment: 'unknown', leads: 2, won: 1 },
  ]);
  expect((await stack.call('GET', '/v1/metrics/segments?by=industry', KEYS.admin)).body.segments).toMatchObject([
    { segment: 'unknown', leads: 7 },
  ]);
  const bad = await stack.call('GET', '/v1/metrics/segments?by=colour', KEYS.admin);
  expect(bad.status).toBe(400);
  expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['by']);
  expect((await stack.call('GET', '/v1/metrics/segments?by=team', KEYS.bob)).status).toBe(403);
});

test('goals per team and period with progress; a manager sets only their own team; versioned and audited', async () => {
  const month = new Date().toISOString().slice(0, 7);
  const year = month.slice(0, 4);
  const bad = await stack.call('PUT', '/v1/goals', KEYS.admin, {
    goals: [{ team: 'alpha', period: '2026-13', metric: 'revenue', target: -1 }],
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
    'goals.0.metric',
    'goals.0.period',
    'goals.0.target',
  ]);
  // a money goal names its currency, and its target keeps the currency's minor unit
  const noCurrency = await stack.call('PUT', '/v1/goals', KEYS.admin, {
    goals: [
      { team: 'alpha', period: month, metric: 'wonValue', target: 2400 },
      { team: 'alpha', period: month, metric: 'wonValue', target: 2400.5, currency: 'JPY' },
      { team: 'alpha', period: month, metric: 'newCustomers', target: 1, currency: 'EUR' },
    ],
  });
  expect(noCurrency.status).toBe(400);
  expect(noCurrency.body.error.details.map((d: { path: string }) => d.path)).toEqual([
    'goals.0.currency',
    'goals.1.target',
    'goals.2.currency',
  ]);
  expect(
    (
      await stack.call('PUT', '/v1/goals', KEYS.managerAlpha, {
        goals: [{ team: 'beta', period: year, metric: 'newCustomers', target: 1 }],
      })
    ).status,
  ).toBe(403);
  expect((await stack.call('PUT', '/v1/goals', KEYS.alice, { goals: [] })).status).toBe(403);

  const put = await stack.call('PUT', '/v1/goals', KEYS.managerAlpha, {
    goals: [
      { team: 'alpha', period: month, metric: 'newCustomers', target: 4 },
      { team: 'alpha', period: month, metric: 'wonValue', target: 2400, currency: 'EUR' },
      { team: 'alpha', period: year, metric: 'leadsContacted', target: 8 },
    ],
  });
  expect(put.status).toBe(200);
  expect(put.body).toMatchObject({ version: 1, updatedBy: 'mia' });
  expect(
    (
      await stack.call('PUT', '/v1/goals', KEYS.admin, {
        goals: [{ team: 'beta', period: year, metric: 'newCustomers', target: 2 }],
      })
    ).body.version,
  ).toBe(2);

  // alpha: won a1 (1200) this month; contacted a1, a2, a3, a5 (a4 got no email) → 4
  const alpha = await settled('/v1/goals', KEYS.managerAlpha, { version: 2, updatedBy: 'admin' });
  // sorted by team, period, metric
  expect(alpha.goals).toEqual([
    { team: 'alpha', period: year, metric: 'leadsContacted', target: 8, actual: 4, progress: 0.5 },
    { team: 'alpha', period: month, metric: 'newCustomers', target: 4, actual: 1, progress: 0.25 },
    {
      team: 'alpha',
      period: month,
      metric: 'wonValue',
      target: 2400,
      currency: 'EUR',
      actual: 1200,
      progress: 0.5,
      wonInOtherCurrencies: [],
    },
  ]);
  const all = (await stack.call('GET', '/v1/goals', KEYS.admin)).body;
  expect(all.goals).toHaveLength(4);
  expect(all.goals.find((g: { team: string }) => g.team === 'beta')).toEqual({
    team: 'beta',
    period: year,
    metric: 'newCustomers',
    target: 2,
    actual: 1,
    progress: 0.5,
  });
  expect((await stack.call('GET', '/v1/goals?team=beta', KEYS.managerAlpha)).status).toBe(403);
  // removing a goal: target null
  const removed = await stack.call('PUT', '/v1/goals', KEYS.admin, {
    goals: [{ team: 'beta', period: year, metric: 'newCustomers', target: null }],
  });
  expect(removed.body.goals).toHaveLength(3);
  const hist = (await stack.call('GET', '/v1/goals/history', KEYS.admin)).body.items;
  expect(hist.map((h: { version: number; by: string }) => [h.version, h.by])).toEqual([
    [3, 'admin'],
    [2, 'admin'],
    [1, 'mia'],
  ]);
  // a manager's audit view shows only their team's changes
  expect(
    (await stack.call('GET', '/v1/goals/history', KEYS.managerAlpha)).body.items.map(
      (h: { version: number }) => h.version,
    ),
  ).toEqual([1]);
});

test('/metrics: request counters by route pattern, process metrics and the board gauges, without a key', async () => {
  await stack.call('GET', '/v1/leads/a1', KEYS.admin);
  const res = await fetch(`${stack.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).toMatch(/dealflow_http_requests_total\{method="GET",route="\/v1\/pipeline",status="200"\} \d+/);
  expect(text).toMatch(/dealflow_http_requests_total\{method="GET",route="\/v1\/leads\/:id",status="200"\} \d+/);
  expect(text).not.toMatch(/route="\/v1\/leads\/a1"/);
  expect(text).toMatch(
    /dealflow_http_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/v1\/pipeline",status="200"\}/,
  );
  expect(text).toMatch(/process_cpu_user_seconds_total/);
  expect(text).toMatch(/dealflow_leads\{team="beta",stage="prospecting"\} 1\n/);
  expect(text).toMatch(/dealflow_leads\{team="alpha",stage="follow_up"\} 1\n/);
  expect(text).toMatch(/dealflow_leads_flagged\{team="alpha",stage="objections",flag="at_risk"\} 1\n/);
  expect(text).toMatch(/dealflow_leads_value\{team="alpha",stage="closing",currency="EUR"\} 10000\n/);
});

test('dealflow report forecast and funnel print the same figures as the API', async () => {
  const forecast = await runCli(stack, ['report', 'forecast', '--json']);
  expect(forecast.code).toBe(0);
  expect(JSON.parse(forecast.out)).toMatchObject({ totals: eur(13500), weightedTotals: eur(6825) });
  const funnel = await runCli(stack, ['report', 'funnel', '--team', 'alpha']);
  expect(funnel.code).toBe(0);
  expect(funnel.out).toMatch(/^closing\s+2\s+1\s+50%/m);
  expect(funnel.out).toMatch(/won 1, lost 2, win rate 33\.3%/);
});
