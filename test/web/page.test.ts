/**
 * The web page in a real headless browser (Debian's chromium through playwright-core) on the real
 * stack: a worker and the API on Temporal and Redis. What the page does is checked through the API.
 * One browser for the file; a fresh context (own sessionStorage) per test.
 */
import fs from 'node:fs';
import crypto from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { KEYS, eventually, startStack, type Stack } from '../support/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WAIT = 30_000;
const run = crypto.randomBytes(3).toString('hex');
const id = (name: string) => `web-${run}-${name}`;

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** CSP violations and uncaught errors of every page: none are expected. */
const pageProblems: string[] = [];

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `chromium not found at ${CHROMIUM}: run \`bash scripts/setup.sh --with-browser\` (installs Debian's chromium) or set CHROMIUM_PATH`,
    );
  }
  stack = await startStack();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await stack?.stop();
});

afterEach(() => {
  expect(pageProblems).toEqual([]);
});

/** A new page, signed in through the sign-in form with `key`. */
async function signedIn(key: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-GB' });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', (e) => pageProblems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
      pageProblems.push(`console: ${m.text()}`);
  });
  await page.goto(stack.baseUrl + '/');
  await page.fill('#api-key', key);
  await page.click('form.sign-in button[type=submit]');
  await page.waitForSelector('header .who');
  return page;
}

const card = (stage: string, leadId: string) =>
  `section.column[data-stage="${stage}"] article[data-lead-id="${leadId}"]`;

/** Waits for a card in a column, pressing Refresh while visibility catches up. */
async function waitForCard(page: Page, stage: string, leadId: string): Promise<void> {
  await eventually(
    async () => {
      if (await page.locator(card(stage, leadId)).count()) return true;
      await page.getByRole('button', { name: /^(Refresh|تازه‌سازی)$/ }).click();
      await page.waitForSelector('section.column[data-stage="follow_up"]');
      return (await page.locator(card(stage, leadId)).count()) > 0;
    },
    WAIT,
    `card ${leadId} in ${stage}`,
  );
}

async function createLead(leadId: string, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await stack.call('POST', '/v1/leads', KEYS.managerAlpha, {
    id: leadId,
    email: `${leadId}@example.com`,
    name: `Lead ${leadId}`,
    company: 'Analytical Engines',
    owner: 'alice',
    value: 1000,
    ...extra,
  });
  expect(res.status).toBe(201);
}

/** Waits until the API's list (visibility) has the lead in `stage`. */
async function listed(leadId: string, stage: string): Promise<void> {
  await eventually(
    async () => {
      const r = await stack.call('GET', `/v1/leads?stage=${stage}`, KEYS.admin);
      return r.body.items?.some((i: { id: string }) => i.id === leadId);
    },
    WAIT,
    `${leadId} listed in ${stage}`,
  );
}

describe('the page itself', () => {
  it('is served without a key, under a strict Content-Security-Policy, with no inline script', async () => {
    const res = await fetch(stack.baseUrl + '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(
      csp
        .split(';')
        .map((d) => d.trim())
        .sort(),
    ).toEqual([
      "base-uri 'none'",
      "connect-src 'self'",
      "default-src 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
      "img-src 'self' data:",
      "script-src 'self'",
      "style-src 'self'",
    ]);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    // the API's JSON answers carry the same headers
    const health = await fetch(stack.baseUrl + '/healthz');
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    const js = /src="(\/assets\/app-[^"]+\.js)"/.exec(html)![1];
    const asset = await fetch(stack.baseUrl + js);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(stack.baseUrl + '/assets/nope.js')).status).toBe(404);
  });

  it('GET /v1/me names the caller, and needs a key', async () => {
    expect((await stack.call('GET', '/v1/me', KEYS.managerAlpha)).body).toEqual({
      role: 'manager',
      scope: 'alpha',
      actor: 'mia',
    });
    expect((await stack.call('GET', '/v1/me')).status).toBe(401);
  });

  it('refuses a wrong key at sign-in', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(stack.baseUrl + '/');
    await page.fill('#api-key', 'not-a-key');
    await page.click('form.sign-in button[type=submit]');
    await page.waitForSelector('form.sign-in .error', { timeout: WAIT });
    expect(await page.locator('header .who').count()).toBe(0);
  });
});

describe('the board', () => {
  const a = id('a');
  const b = id('b');
  const c = id('c');
  const d = id('d');

  beforeAll(async () => {
    await createLead(a, { name: 'Ada Seed', value: 5000 });
    await createLead(b, { name: 'Bea Seed' });
    await createLead(c, { name: 'Cy Seed', owner: 'bob' });
    await createLead(d, { name: 'Di Seed', stage: 'presentation' });
    expect((await stack.call('POST', `/v1/leads/${b}/stage`, KEYS.managerAlpha, { to: 'approach' })).status).toBe(200);
    expect((await stack.call('POST', `/v1/leads/${c}/stage`, KEYS.managerAlpha, { to: 'closing' })).status).toBe(200);
    await Promise.all([
      listed(a, 'prospecting'),
      listed(b, 'approach'),
      listed(c, 'closing'),
      listed(d, 'presentation'),
    ]);
  });

  it('shows the seeded deals in their stage columns, seven columns in stage order', async () => {
    const page = await signedIn(KEYS.managerAlpha);
    await waitForCard(page, 'prospecting', a);
    const stages = await page
      .locator('section.column')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')));
    expect(stages).toEqual([
      'prospecting',
      'preparation',
      'approach',
      'presentation',
      'objections',
      'closing',
      'follow_up',
    ]);
    await waitForCard(page, 'approach', b);
    await waitForCard(page, 'closing', c);
    await waitForCard(page, 'presentation', d);
    const text = await page.locator(card('prospecting', a)).textContent();
    expect(text).toContain('Ada Seed');
    expect(text).toContain('Analytical Engines');
    expect(text).toContain('alice');
    expect(text).toContain('US$5,000.00'); // the default currency, USD (en-GB)
  });

  it('totals a column per currency, each in its own format, and never adds them (issue: JPY + EUR)', async () => {
    const yen = id('yen');
    const euro = id('euro');
    await createLead(yen, { name: 'Yoko Yen', stage: 'objections', value: 10_000_000, currency: 'JPY' });
    await createLead(euro, { name: 'Eva Euro', stage: 'objections', value: 60_000, currency: 'EUR' });
    const page = await signedIn(KEYS.managerAlpha);
    await waitForCard(page, 'objections', yen);
    await waitForCard(page, 'objections', euro);
    expect(await page.locator(card('objections', yen)).textContent()).toContain('JP¥10,000,000');
    expect(await page.locator(card('objections', euro)).textContent()).toContain('€60,000.00');
    const summary = page.locator('section.column[data-stage="objections"] .col-summary');
    await eventually(
      async () => {
        const text = (await summary.textContent()) ?? '';
        if (text.includes('€60,000.00 · JP¥10,000,000')) return true;
        await page.getByRole('button', { name: 'Refresh' }).click();
        await page.waitForSelector('section.column[data-stage="follow_up"]');
        return false;
      },
      WAIT,
      'the column totals per currency',
    );
    expect(await summary.textContent()).not.toMatch(/10,060,000/);
  });

  it('moves a deal when a rep picks a stage on its card, and the workflow records it by that rep', async () => {
    const page = await signedIn(KEYS.alice);
    await waitForCard(page, 'prospecting', a);
    // bob's deal is not alice's: no move control offered
    expect(await page.locator(`article[data-lead-id="${c}"]`).count()).toBe(0);
    await page.selectOption(`${card('prospecting', a)} select`, 'preparation');
    await page.waitForSelector(card('preparation', a));
    await page.waitForSelector('.status .ok');

    const lead = await eventually(
      async () => {
        const r = await stack.call('GET', `/v1/leads/${a}`, KEYS.admin);
        return r.body.stage === 'preparation' ? r.body : undefined;
      },
      WAIT,
      'the move in the workflow',
    );
    const move = lead.history.find(
      (h: { type: string; to?: string }) => h.type === 'stage_changed' && h.to === 'preparation',
    );
    expect(move).toMatchObject({ from: 'prospecting', to: 'preparation', actor: 'alice' });
  });

  it('marks stalled and at-risk deals with a text badge and a class', async () => {
    // a real stall: team beta's prospecting threshold is 1s, so a new beta lead climbs to level 3
    expect(
      (await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, { teams: { beta: { prospecting: '1s' } } })).status,
    ).toBe(200);
    const stalled = id('stalled');
    expect(
      (
        await stack.call('POST', '/v1/leads', KEYS.admin, {
          id: stalled,
          email: `${stalled}@example.com`,
          name: 'Stan Still',
          owner: 'carol',
        })
      ).status,
    ).toBe(201);
    await eventually(
      async () => {
        const r = await stack.call('GET', '/v1/leads?stage=prospecting&team=beta&stalled=true', KEYS.admin);
        return r.body.items?.some(
          (i: { id: string; escalationLevel: number }) => i.id === stalled && i.escalationLevel >= 3,
        );
      },
      60_000,
      'the lead stalled (level 3)',
    );
    const page = await signedIn(KEYS.admin);
    await waitForCard(page, 'prospecting', stalled);
    const el = page.locator(card('prospecting', stalled));
    expect(await el.getAttribute('class')).toContain('is-stalled');
    expect(await el.locator('.badge.stalled').textContent()).toBe('Stalled');

    // level 2 is a moment on the way to 3: shown from a list answer the page is given
    const atRisk = {
      id: id('risky'),
      stage: 'approach',
      status: 'open',
      owner: 'alice',
      team: 'alpha',
      escalationLevel: 2,
      value: 10,
      name: 'Rita Risk',
      company: null,
    };
    await page.route('**/v1/leads?stage=approach&*', (r) =>
      r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ items: [atRisk] }) }),
    );
    await page.getByRole('button', { name: 'Refresh' }).click();
    const risky = page.locator(card('approach', atRisk.id));
    await risky.waitFor();
    expect(await risky.getAttribute('class')).toContain('is-at-risk');
    expect(await risky.locator('.badge.at-risk').textContent()).toBe('At risk');
  });

  it('moves a deal dragged to another column', async () => {
    const page = await signedIn(KEYS.managerAlpha);
    await waitForCard(page, 'approach', b);
    await page.locator(card('approach', b)).dragTo(page.locator('section.column[data-stage="objections"]'));
    await page.waitForSelector(card('objections', b));
    const lead = await eventually(
      async () => {
        const r = await stack.call('GET', `/v1/leads/${b}`, KEYS.admin);
        return r.body.stage === 'objections' ? r.body : undefined;
      },
      WAIT,
      'the drag in the workflow',
    );
    expect(
      lead.history.find((h: { type: string; to?: string }) => h.type === 'stage_changed' && h.to === 'objections'),
    ).toMatchObject({ actor: 'mia' });
  });

  it("shows the API's reason when a move is refused", async () => {
    const page = await signedIn(KEYS.managerAlpha);
    await waitForCard(page, 'presentation', d);
    // the deal is lost behind the page's back: the workflow's validator refuses the move (409)
    expect((await stack.call('POST', `/v1/leads/${d}/lost`, KEYS.managerAlpha, { reason: 'budget' })).status).toBe(200);
    await page.selectOption(`${card('presentation', d)} select`, 'closing');
    const err = page.locator(`${card('presentation', d)} .card-error`);
    await err.waitFor({ state: 'visible' });
    expect(await err.textContent()).toMatch(/Move refused: .*lost/);
    expect((await stack.call('GET', `/v1/leads/${d}`, KEYS.admin)).body.stage).toBe('presentation');
  });

  it("opens a lead's timeline with each entry's time, type, actor and cause", async () => {
    const page = await signedIn(KEYS.managerAlpha);
    await waitForCard(page, 'objections', b);
    await page.click(`${card('objections', b)} .card-title a`);
    await page.waitForSelector('#timeline-h');
    expect(await page.locator('main h1').textContent()).toBe('Bea Seed');
    const rows = page.locator('section[aria-labelledby="timeline-h"] tbody tr');
    const texts = await rows.allTextContents();
    expect(texts.some((t) => t.includes('stage changed') && t.includes('mia'))).toBe(true);
    expect(texts.some((t) => t.includes('created'))).toBe(true);
    expect(await rows.first().locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('shows a lead named like HTML as text and runs nothing', async () => {
    const evil = id('xss');
    const name = '<img src=x onerror=alert(1)>';
    await createLead(evil, { name, company: '<script>alert(2)</script>' });
    await listed(evil, 'prospecting');
    const page = await signedIn(KEYS.managerAlpha);
    const dialogs: string[] = [];
    page.on('dialog', (dlg) => {
      dialogs.push(dlg.message());
      void dlg.dismiss();
    });
    await waitForCard(page, 'prospecting', evil);
    const el = page.locator(card('prospecting', evil));
    expect(await el.textContent()).toContain(name);
    expect(await el.textContent()).toContain('<script>alert(2)</script>');
    expect(await el.locator('img').count()).toBe(0);
    expect(await page.locator('#app img, #app script').count()).toBe(0);
    await el.locator('.card-title a').click();
    await page.waitForSelector('#timeline-h');
    expect(await page.locator('main h1').textContent()).toBe(name);
    expect(await page.locator('#app img, #app script').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('shows Persian right to left, with translated stage titles and Persian digits', async () => {
    const page = await signedIn(KEYS.managerAlpha);
    await waitForCard(page, 'closing', c);
    await page.selectOption('#lang', 'fa');
    await page.waitForSelector('html[dir="rtl"][lang="fa"]');
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('html').getAttribute('lang')).toBe('fa');
    await page.waitForSelector('section.column[data-stage="prospecting"] h2');
    expect(await page.locator('section.column[data-stage="prospecting"] h2').textContent()).toBe('شناسایی');
    expect(await page.locator('section.column[data-stage="closing"] .col-summary').textContent()).toMatch(/[۰-۹]/);
    expect(await page.locator('header .who').textContent()).toContain('مدیر فروش');
  });
});

describe('tasks and thresholds', () => {
  const lead = id('task');

  it('lets a rep complete a task from the inbox, and the task is done', async () => {
    await createLead(lead, { name: 'Task Lead', stage: 'preparation' });
    const task = await eventually(
      async () => {
        const r = await stack.call('GET', '/v1/tasks?assignee=alice&status=open', KEYS.alice);
        return r.body.items?.find((t: { leadId: string; kind: string }) => t.leadId === lead && t.kind === 'research');
      },
      WAIT,
      'the research task',
    );
    const page = await signedIn(KEYS.alice);
    await page.click('a[data-nav="tasks"]');
    const button = page.locator(`button[data-task-id="${task.id}"]`);
    await button.click();
    await button.waitFor({ state: 'detached' });
    expect(await page.locator('.status .ok').textContent()).toContain(task.title);
    const done = await stack.call('GET', '/v1/tasks?assignee=alice&status=done', KEYS.alice);
    expect(done.body.items.find((t: { id: string }) => t.id === task.id)).toMatchObject({
      status: 'done',
      completedBy: 'alice',
    });
  });

  it("lets a manager change their team's threshold, and shows field errors from the API", async () => {
    const before = (await stack.call('GET', '/v1/config/thresholds', KEYS.managerAlpha)).body;
    const page = await signedIn(KEYS.managerAlpha);
    await page.click('a[data-nav="thresholds"]');
    await page.waitForSelector('input[name="teams.alpha.approach"]');
    // a manager is offered only their own team
    expect(await page.locator('input[name^="global."], input[name^="teams.beta."]').count()).toBe(0);

    await page.fill('input[name="teams.alpha.closing"]', 'soon');
    await page.click('form.thresholds button[type=submit]');
    await page.waitForSelector('input[name="teams.alpha.closing"][aria-invalid="true"]');
    expect(await page.locator('.problems').textContent()).toContain('teams.alpha.closing');

    await page.fill('input[name="teams.alpha.closing"]', '');
    await page.fill('input[name="teams.alpha.approach"]', '4d');
    await page.click('form.thresholds button[type=submit]');
    await page.waitForSelector(`p.meta[data-version="${before.version + 1}"]`);
    expect(await page.locator('p.meta').textContent()).toContain('mia');

    const after = (await stack.call('GET', '/v1/config/thresholds', KEYS.managerAlpha)).body;
    expect(after.version).toBe(before.version + 1);
    expect(after.teams.alpha.approach).toBe('4d');
    expect(after.updatedBy).toBe('mia');
    expect(after.teams.alpha.closing).toBeUndefined();
  });

  it('does not offer a rep the thresholds editor, and the API refuses them anyway', async () => {
    const page = await signedIn(KEYS.alice);
    await page.waitForSelector('a[data-nav="board"]');
    expect(await page.locator('a[data-nav="thresholds"]').count()).toBe(0);
    await page.goto(stack.baseUrl + '/#/thresholds');
    await page.waitForSelector('section.column[data-stage="prospecting"]');
    expect(await page.locator('form.thresholds').count()).toBe(0);
    expect((await stack.call('GET', '/v1/config/thresholds', KEYS.alice)).status).toBe(403);
    const put = await stack.call('PUT', '/v1/config/thresholds', KEYS.alice, { teams: { alpha: { approach: '1d' } } });
    expect(put.status).toBe(403);
  });
});

describe('charts and goals', () => {
  it('shows each chart, or says it is not available yet', async () => {
    const page = await signedIn(KEYS.managerAlpha);
    await page.click('a[data-nav="charts"]');
    for (const sec of ['pipeline', 'funnel', 'forecast', 'goals']) {
      await page.waitForSelector(`section#${sec} :is(svg.chart, .unavailable, ul.goals, p.muted)`);
    }
    expect(await page.locator('#app .error').count()).toBe(0);
  });

  it('draws the funnel, forecast and pipeline as SVG bars and goals as progress bars from the documented shapes', async () => {
    const page = await signedIn(KEYS.managerAlpha);
    await stubCharts(page);
    await page.click('a[data-nav="charts"]');
    await page.waitForSelector('section#goals ul.goals');
    expect(await page.locator('section#funnel svg.chart g.bar').count()).toBe(6);
    expect(await page.locator('section#forecast svg.chart g.bar').count()).toBe(12);
    expect(await page.locator('section#pipeline svg.chart g.bar').count()).toBe(7);
    expect(await page.locator('section#funnel').textContent()).toContain('win rate 50%');
    expect(await page.locator('section#forecast').textContent()).toContain(
      'Pipeline €100,000.00 · JP¥5,000,000, weighted €30,000.00 · JP¥1,500,000',
    );
    expect(await page.locator('section#forecast').textContent()).toContain('≈ US$113,500.00 (converted, rates v3)');
    expect(await page.locator('section#forecast svg.chart').count()).toBe(2); // one chart per currency
    expect(await page.locator('section#pipeline').textContent()).toContain('€7,000.00');
    const bar = page.locator('section#goals progress').first();
    expect(await bar.getAttribute('value')).toBe('0.4');
    expect(await page.locator('section#goals li').first().textContent()).toContain('4 of 10 (40%)');
    // a money goal in its currency; what was won in other currencies is shown beside it, not added
    const money = await page.locator('section#goals li').nth(1).textContent();
    expect(money).toContain('€60,000.00 of €50,000.00 (120%)');
    expect(money).toContain('not counted): JP¥900,000');
  });
});

/** The read endpoints another change adds, answered in the page with the shapes of README "HTTP API". */
async function stubCharts(page: Page): Promise<void> {
  const stages = ['prospecting', 'preparation', 'approach', 'presentation', 'objections', 'closing'];
  const json = (body: unknown) => ({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
  await page.route('**/v1/pipeline', (r) =>
    r.fulfill(
      json({
        stages: [...stages, 'follow_up'].map((stage, i) => ({
          stage,
          count: 7 - i,
          values: [{ currency: 'EUR', amount: (7 - i) * 1000 }],
          stalled: i % 2,
          atRisk: 1,
        })),
      }),
    ),
  );
  await page.route('**/v1/metrics/funnel?*', (r) =>
    r.fulfill(
      json({
        from: '2026-01-01T00:00:00.000Z',
        to: '2026-03-31T00:00:00.000Z',
        stages: stages.map((stage, i) => ({
          stage,
          entered: 60 - i * 10,
          advanced: 50 - i * 10,
          conversion: 0.8,
          medianTimeInStageHours: 30,
        })),
        won: 5,
        lost: 5,
        winRate: 0.5,
        medianCycleDays: 21.5,
      }),
    ),
  );
  await page.route('**/v1/forecast', (r) =>
    r.fulfill(
      json({
        totals: [
          { currency: 'EUR', amount: 100000 },
          { currency: 'JPY', amount: 5_000_000 },
        ],
        weightedTotals: [
          { currency: 'EUR', amount: 30000 },
          { currency: 'JPY', amount: 1_500_000 },
        ],
        converted: { currency: 'USD', amount: 113_500, ratesVersion: 3, missingRates: [] },
        byStage: stages.map((stage, i) => ({
          stage,
          probability: 0.1 * (i + 1),
          values: [{ currency: 'EUR', amount: 10000 }],
          weightedValues: [{ currency: 'EUR', amount: 1000 * (i + 1) }],
        })),
      }),
    ),
  );
  await page.route('**/v1/goals', (r) =>
    r.fulfill(
      json({
        version: 1,
        goals: [
          { team: 'alpha', period: '2026-Q1', metric: 'new_customers', target: 10, actual: 4, progress: 0.4 },
          {
            team: 'alpha',
            period: '2026-Q1',
            metric: 'won_value',
            target: 50000,
            currency: 'EUR',
            actual: 60000,
            progress: 1.2,
            wonInOtherCurrencies: [{ currency: 'JPY', amount: 900_000 }],
          },
        ],
      }),
    ),
  );
}
