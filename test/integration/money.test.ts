/**
 * Money is never added across currencies (README "Reporting"), on the real stack: the issue's
 * input — team beta, stage presentation, one deal of JPY 10,000,000 and one of EUR 60,000 — gives
 * per-currency totals in `GET /v1/pipeline`, `GET /v1/forecast`, `dealflow report forecast` and the
 * `/metrics` value gauge (never `10060000`); exchange rates are an admin-only, versioned, audited
 * document and converted totals carry the rates' version or name the currency without a rate;
 * a lead's `currency` is an ISO 4217 code and its `value` (and a won amount) keeps the currency's
 * minor unit, checked in every way a lead comes in.
 */
import { KEYS, eventually, startStack, type Stack } from '../support/stack';
import { runCli } from '../support/cli';

jest.setTimeout(180_000);
let stack: Stack;

const create = (id: string, body: Record<string, unknown>, key = KEYS.admin) =>
  stack.call('POST', '/v1/leads', key, {
    id,
    email: `${id}@customer-${id}.test`,
    owner: 'carol',
    team: 'beta',
    ...body,
  });
const presentation = (body: { stages: { stage: string }[] }) =>
  body.stages.find((s) => s.stage === 'presentation') as Record<string, unknown>;
const ISSUE_VALUES = [
  { currency: 'EUR', amount: 60_000 },
  { currency: 'JPY', amount: 10_000_000 },
];

/** Polls until the board has both deals of the issue (the facts are written just after each change). */
const boardSettled = () =>
  eventually(
    async () => {
      const r = await stack.call('GET', '/v1/pipeline?team=beta', KEYS.admin);
      return r.status === 200 &&
        (presentation(r.body).count as number) === 2 &&
        (presentation(r.body).values as unknown[]).length === 2
        ? r.body
        : undefined;
    },
    60_000,
    'both deals on the board',
  );

beforeAll(async () => {
  stack = await startStack({});
  expect((await create('yen-1', { stage: 'presentation', value: 10_000_000, currency: 'JPY' })).status).toBe(201);
  expect((await create('euro-1', { stage: 'presentation', value: 60_000, currency: 'EUR' })).status).toBe(201);
  await boardSettled();
});
afterAll(async () => {
  await stack?.stop();
});

test('the issue input: the pipeline and the forecast give one total per currency, never their sum', async () => {
  const pipeline = (await stack.call('GET', '/v1/pipeline?team=beta', KEYS.managerBeta)).body;
  expect(presentation(pipeline)).toEqual({
    stage: 'presentation',
    count: 2,
    values: ISSUE_VALUES,
    stalled: 0,
    atRisk: 0,
  });

  const f = await stack.call('GET', '/v1/forecast?team=beta', KEYS.admin);
  expect(f.status).toBe(200);
  // default presentation probability 0.4
  expect(f.body.byStage.find((s: { stage: string }) => s.stage === 'presentation')).toEqual({
    stage: 'presentation',
    probability: 0.4,
    values: ISSUE_VALUES,
    weightedValues: [
      { currency: 'EUR', amount: 24_000 },
      { currency: 'JPY', amount: 4_000_000 },
    ],
  });
  expect(f.body.totals).toEqual(ISSUE_VALUES);
  expect(f.body.weightedTotals).toEqual([
    { currency: 'EUR', amount: 24_000 },
    { currency: 'JPY', amount: 4_000_000 },
  ]);
  expect(f.body).not.toHaveProperty('converted'); // no rates configured yet
  expect(JSON.stringify(f.body)).not.toContain('10060000');
});

test('exchange rates: admin-only, validated, versioned and audited; converted totals are labelled', async () => {
  expect((await stack.call('GET', '/v1/config/rates', KEYS.managerBeta)).body).toMatchObject({
    version: 0,
    base: 'USD',
    rates: {},
  });
  expect(
    (await stack.call('PUT', '/v1/config/rates', KEYS.managerBeta, { base: 'EUR', rates: { JPY: 0.0062 } })).status,
  ).toBe(403);
  expect((await stack.call('GET', '/v1/config/rates', KEYS.carol)).status).toBe(403);
  const bad = await stack.call('PUT', '/v1/config/rates', KEYS.admin, { base: 'EURO', rates: { JPY: -1, QQQ: 2 } });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['base', 'rates.JPY', 'rates.QQQ']);
  expect((await stack.call('GET', '/v1/config/rates', KEYS.admin)).body.version).toBe(0); // nothing half-written

  // a rate for JPY is missing: the converted total says so instead of dropping the yen
  const v1 = await stack.call('PUT', '/v1/config/rates', KEYS.admin, { base: 'USD', rates: { EUR: 1.08 } });
  expect(v1.body).toMatchObject({ version: 1, updatedBy: 'admin', base: 'USD', rates: { EUR: 1.08 } });
  let p = presentation((await stack.call('GET', '/v1/pipeline?team=beta', KEYS.admin)).body);
  expect(p.converted).toEqual({ currency: 'USD', amount: null, ratesVersion: 1, missingRates: ['JPY'] });
  expect(p.values).toEqual(ISSUE_VALUES);

  const v2 = await stack.call('PUT', '/v1/config/rates', KEYS.admin, {
    base: 'USD',
    rates: { EUR: 1.08, JPY: 0.0067 },
  });
  expect(v2.body.version).toBe(2);
  p = presentation((await stack.call('GET', '/v1/pipeline?team=beta', KEYS.admin)).body);
  // 60000 × 1.08 + 10,000,000 × 0.0067 = 64,800 + 67,000
  expect(p.converted).toEqual({ currency: 'USD', amount: 131_800, ratesVersion: 2, missingRates: [] });
  const f = (await stack.call('GET', '/v1/forecast?team=beta', KEYS.admin)).body;
  expect(f.converted).toEqual({ currency: 'USD', amount: 131_800, ratesVersion: 2, missingRates: [] });
  expect(f.weightedConverted).toEqual({ currency: 'USD', amount: 52_720, ratesVersion: 2, missingRates: [] });

  const hist = (await stack.call('GET', '/v1/config/rates/history', KEYS.marketing)).body.items;
  expect(hist.map((h: { version: number; by: string }) => [h.version, h.by])).toEqual([
    [2, 'admin'],
    [1, 'admin'],
  ]);
  expect(hist[0]).toMatchObject({
    old: { base: 'USD', rates: { EUR: 1.08 } },
    new: { base: 'USD', rates: { EUR: 1.08, JPY: 0.0067 } },
  });
});

test('dealflow report forecast prints per-currency totals; dealflow rates get shows the version', async () => {
  const json = await runCli(stack, ['report', 'forecast', '--team', 'beta', '--json']);
  expect(json.code).toBe(0);
  const f = JSON.parse(json.out);
  expect(f.totals).toEqual(ISSUE_VALUES);
  expect(f.byStage.find((s: { stage: string }) => s.stage === 'presentation').values).toEqual(ISSUE_VALUES);

  const { code, out } = await runCli(stack, ['report', 'forecast', '--team', 'beta']);
  expect(code).toBe(0);
  expect(out).toMatch(/^presentation\s+€60,000\.00 · ¥10,000,000\s+40%\s+€24,000\.00 · ¥4,000,000/m);
  expect(out).toContain('total €60,000.00 · ¥10,000,000; weighted €24,000.00 · ¥4,000,000 (team beta)');
  expect(out).toMatch(/converted: total ≈ \$131,800\.00 \(converted, rates v2\)/);
  expect(out).not.toMatch(/10,?060,?000/);

  const board = await runCli(stack, ['report', 'pipeline', '--team', 'beta']);
  expect(board.out).toMatch(/^presentation\s+2\s+€60,000\.00 · ¥10,000,000/m);

  const bad = await runCli(stack, ['rates', 'set', '--base', 'USD', 'EUR=1.1', 'JPY=abc', '--as', 'ops']);
  expect(bad.code).toBe(2);
  expect(bad.out).toContain('rates.JPY: a number greater than 0');
  const get = await runCli(stack, ['rates', 'get']);
  expect(get.code).toBe(0);
  expect(get.out).toMatch(/^rates v2 \(by admin at .*\); base USD/);
});

test('/metrics: the value gauge carries a currency label, one series per currency', async () => {
  const text = await (await fetch(`${stack.baseUrl}/metrics`)).text();
  expect(text).toMatch(/dealflow_leads_value\{team="beta",stage="presentation",currency="JPY"\} 10000000\n/);
  expect(text).toMatch(/dealflow_leads_value\{team="beta",stage="presentation",currency="EUR"\} 60000\n/);
  expect(text).not.toMatch(/dealflow_leads_value\{team="beta",stage="presentation"\}/);
  expect(text).toMatch(/dealflow_leads\{team="beta",stage="presentation"\} 2\n/);
});

test('a lead currency is an ISO 4217 code and its value keeps the minor unit: 400 naming the field', async () => {
  for (const [currency, value, path] of [
    ['ZZZ', 100, 'currency'],
    ['eur', 100, 'currency'],
    ['XAU', 100, 'currency'],
    ['JPY', 1500.5, 'value'],
    ['EUR', 10.001, 'value'],
  ] as const) {
    const r = await create(`bad-${currency}-${value}`.replace(/\./g, '-'), { value, currency });
    expect(r.status).toBe(400);
    expect(r.body.error.details.map((d: { path: string }) => d.path)).toEqual([path]);
  }
  expect((await create('dinar-1', { value: 1.125, currency: 'BHD' })).status).toBe(201);
  expect(await stack.runtime.leads.get('bad-ZZZ-100').catch(() => null)).toBeNull(); // nothing started

  // the same rules for every row of a bulk enrolment (JSON and CSV)
  const bulk = await stack.call('POST', '/v1/leads/bulk', KEYS.admin, [
    { email: 'ok.row@customer-bulk.test', team: 'beta', value: 5, currency: 'EUR' },
    { email: 'bad.row@customer-bulk.test', team: 'beta', value: 5, currency: 'QQQ' },
    { email: 'yen.row@customer-bulk.test', team: 'beta', value: 5.5, currency: 'JPY' },
  ]);
  expect(bulk.status).toBe(202);
  const batch = await eventually(
    async () => {
      const b = (await stack.call('GET', `/v1/batches/${bulk.body.id}`, KEYS.admin)).body;
      return b.rejectedCount === 2 ? b : undefined;
    },
    30_000,
    'the batch',
  );
  expect(batch.rejected.map((r: { reason: string }) => r.reason.split(':')[0]).sort()).toEqual(['currency', 'value']);
});

test('a won amount keeps the minor unit of the lead currency: 400 naming amount; the deal stays open', async () => {
  const r = await stack.call('POST', '/v1/leads/yen-1/won', KEYS.carol, { amount: 9_999_999.5 });
  expect(r.status).toBe(400);
  expect(r.body.error.details).toEqual([{ path: 'amount', message: 'JPY has no minor unit: a whole number' }]);
  expect((await stack.runtime.leads.get('yen-1')).status).toBe('open');
  const ok = await stack.call('POST', '/v1/leads/yen-1/won', KEYS.carol, { amount: 9_500_000 });
  expect(ok.status).toBe(200);
  // goals: a wonValue goal in JPY counts the yen; the euro deal (open) is in no goal
  const month = new Date().toISOString().slice(0, 7);
  const put = await stack.call('PUT', '/v1/goals', KEYS.managerBeta, {
    goals: [{ team: 'beta', period: month, metric: 'wonValue', target: 19_000_000, currency: 'JPY' }],
  });
  expect(put.status).toBe(200);
  const goals = await eventually(
    async () => {
      const g = (await stack.call('GET', '/v1/goals', KEYS.managerBeta)).body.goals;
      return g[0]?.actual > 0 ? g : undefined;
    },
    30_000,
    'the won deal in the goal',
  );
  expect(goals).toEqual([
    {
      team: 'beta',
      period: month,
      metric: 'wonValue',
      target: 19_000_000,
      currency: 'JPY',
      actual: 9_500_000,
      progress: 0.5,
      wonInOtherCurrencies: [],
    },
  ]);
});
