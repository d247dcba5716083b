/**
 * The satisfaction survey on the real stack: follow-up timings set over the API, the survey email
 * over SMTP with a working link, an answer through HTTP creating the right task, the 409/403/400
 * cases recording nothing, and NPS figures matching a hand computation.
 */
import { startMailCatcher, type MailCatcher } from '../../devstack/services';
import { KEYS, eventually, startStack, type Stack } from '../support/stack';

jest.setTimeout(180_000);
let mail: MailCatcher;
let stack: Stack;

beforeAll(async () => {
  mail = await startMailCatcher({});
  stack = await startStack({ config: { SMTP_URL: mail.smtpUrl } });
  expect((await stack.call('PUT', '/v1/config/follow-up', KEYS.alice, { surveyAfter: '1s' })).status).toBe(403);
  const bad = await stack.call('PUT', '/v1/config/follow-up', KEYS.admin, { surveyAfter: '0s', checkIns: ['soon'] });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['checkIns.0', 'surveyAfter']);
  const tooLong = await stack.call('PUT', '/v1/config/follow-up', KEYS.admin, {
    detractorSla: '100000000d',
    checkIns: ['1d', '3651d'],
  });
  expect(tooLong.status).toBe(400);
  expect(tooLong.body.error.details).toEqual([
    { path: 'detractorSla', message: 'must be at most 3650d' },
    { path: 'checkIns.1', message: 'must be at most 3650d' },
  ]);
  // the timings are company-wide: a manager (of one team) may read them, not change them
  expect((await stack.call('PUT', '/v1/config/follow-up', KEYS.managerAlpha, { surveyAfter: '2s' })).status).toBe(403);
  const put = await stack.call('PUT', '/v1/config/follow-up', KEYS.admin, {
    thankYou: '0s',
    surveyAfter: '2s',
    surveyReminderAfter: '1h',
    checkIns: ['1d'],
    detractorSla: '4h',
  });
  expect(put.status).toBe(200);
  expect(put.body).toMatchObject({ version: 1, surveyAfter: '2s', updatedBy: 'admin' });
  const hist = await stack.call('GET', '/v1/config/follow-up/history', KEYS.managerAlpha);
  expect(hist.body.items[0]).toMatchObject({
    version: 1,
    by: 'admin',
    old: { surveyAfter: '14d' },
    new: { surveyAfter: '2s' },
  });
});
afterAll(async () => {
  await stack?.stop();
  await mail?.stop();
});

async function surveyLink(id: string): Promise<string> {
  await stack.call('POST', '/v1/leads', KEYS.admin, {
    id,
    email: `${id}@customer.test`,
    owner: 'alice',
    stage: 'closing',
  });
  expect((await stack.call('POST', `/v1/leads/${id}/won`, KEYS.alice, { amount: 1000 })).status).toBe(200);
  const msgs = await mail.waitFor(
    (ms) => ms.some((m) => m.to.some((t) => t.startsWith(`${id}@`)) && /\/s\//.test(m.text)),
    60_000,
  );
  const m = msgs.find((x) => x.to.some((t) => t.startsWith(`${id}@`)) && /\/s\//.test(x.text))!;
  const token = /\/s\/([A-Za-z0-9._~-]+)/.exec(m.text)![1];
  return `/s/${token}`;
}
const answer = (path: string, body: unknown) =>
  fetch(stack.baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });

test('the survey link works; a detractor answer makes a manager task; a second answer is 409', async () => {
  const link = await surveyLink('sv-1');
  const page = await fetch(stack.baseUrl + link);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/<form method="post"/);
  // the survey page keeps its own CSP (its inline style), not the web page's
  expect(page.headers.get('content-security-policy')).toBe(
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  );
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  const res = await answer(link, { score: 3, comment: 'slow support' });
  expect(res.status).toBe(200);
  const task = await eventually(
    async () => (await stack.runtime.tasks.forLead('sv-1')).find((t) => t.kind === 'detractor'),
    30_000,
    'detractor task',
  );
  expect(task.assignee).toBe('mia');
  expect(Date.parse(task.dueAt) - Date.now()).toBeLessThanOrEqual(4 * 3600_000);
  const again = await answer(link, { score: 10 });
  expect(again.status).toBe(409);
  const s = await stack.runtime.leads.get('sv-1');
  expect(s.survey?.answer?.score).toBe(3);
});

test('forged → 403, out of range → 400, and neither records anything', async () => {
  const link = await surveyLink('sv-2');
  expect((await answer(link.slice(0, -3) + 'AAA', { score: 5 })).status).toBe(403);
  const out = await answer(link, { score: 11 });
  expect(out.status).toBe(400);
  expect((await answer(link, { score: 4.5 })).status).toBe(400);
  expect(await stack.runtime.redis.get(`${stack.config.REDIS_PREFIX}survey:answer:sv-2`)).toBeNull();
  expect((await stack.runtime.leads.get('sv-2')).survey?.answer).toBeUndefined();
  // the link still works afterwards: a promoter gets the referral request
  expect((await answer(link, { score: 10 })).status).toBe(200);
  await mail.waitFor((ms) => ms.filter((m) => m.to.some((t) => t.startsWith('sv-2@'))).length >= 3, 30_000);
});

test('NPS matches a hand computation', async () => {
  for (const [id, score] of [
    ['sv-3', 9],
    ['sv-4', 7],
  ] as const) {
    const link = await surveyLink(id);
    expect((await answer(link, { score })).status).toBe(200);
  }
  // answers so far: 3 (detractor), 10 and 9 (promoters), 7 (passive) → (2 − 1) / 4 = +25
  const nps = await eventually(
    async () => {
      const r = await stack.call('GET', '/v1/metrics/nps?team=alpha', KEYS.managerAlpha);
      return r.body.surveysSent === 4 ? r : undefined; // each send is recorded right after the email goes out
    },
    30_000,
    'four surveys recorded as sent',
  );
  expect(nps.status).toBe(200);
  expect(nps.body).toMatchObject({
    nps: 25,
    responses: 4,
    promoters: 2,
    passives: 1,
    detractors: 1,
    surveysSent: 4,
    responseRate: 1,
  });
  expect((await stack.call('GET', '/v1/metrics/nps', KEYS.alice)).status).toBe(403);
  expect((await stack.call('GET', '/v1/metrics/nps?team=beta', KEYS.admin)).body).toMatchObject({
    responses: 0,
    nps: null,
  });
  // issue #11 fault 6: the beta manager gets neither alpha's figure nor the company's, but beta's
  expect((await stack.call('GET', '/v1/metrics/nps?team=alpha', KEYS.managerBeta)).status).toBe(403);
  expect((await stack.call('GET', '/v1/metrics/nps', KEYS.managerBeta)).body).toMatchObject({
    team: 'beta',
    responses: 0,
    nps: null,
    surveysSent: 0,
  });
  expect((await stack.call('GET', '/v1/metrics/nps', KEYS.managerAlpha)).body).toMatchObject({
    team: 'alpha',
    nps: 25,
    responses: 4,
  });
});

test('a completed or lost lead is archived, and a customer who buys again is a new lead with a new id', async () => {
  await stack.call('POST', '/v1/leads', KEYS.admin, { id: 'buyer-1', email: 'buyer@customer.test', owner: 'alice' });
  expect((await stack.call('POST', '/v1/leads/buyer-1/lost', KEYS.alice, { reason: 'not now' })).status).toBe(200);
  const archived = await eventually(async () =>
    stack.runtime.redis.get(`${stack.config.REDIS_PREFIX}lead-archive:buyer-1`),
  );
  expect(JSON.parse(archived)).toMatchObject({ id: 'buyer-1', status: 'lost' });
  // the same customer buys again next year: a new opportunity, its own workflow, linked by email
  const again = await stack.call('POST', '/v1/leads', KEYS.admin, {
    id: 'buyer-1.2',
    email: 'buyer@customer.test',
    owner: 'alice',
  });
  expect(again.status).toBe(201);
  const s = await eventually(async () => {
    const st = await stack.runtime.leads.get('buyer-1.2');
    return st.history.some((h) => /same email as lead buyer-1/.test(h.cause)) ? st : undefined;
  });
  expect(s.status).toBe('open');
  expect((await stack.runtime.leads.get('buyer-1')).history.some((h) => h.type === 'lost')).toBe(true);
  // past retention the workflow is gone and the archive answers (a lead known only to the archive)
  const ghost = { ...(await stack.runtime.leads.get('buyer-1')), id: 'buyer-0' };
  await stack.runtime.redis.set(`${stack.config.REDIS_PREFIX}lead-archive:buyer-0`, JSON.stringify(ghost));
  const fromArchive = await stack.call('GET', '/v1/leads/buyer-0', KEYS.alice);
  expect(fromArchive.status).toBe(200);
  expect(fromArchive.body.history.some((h: { type: string }) => h.type === 'lost')).toBe(true);
  expect((await stack.call('GET', '/v1/leads/never-was', KEYS.admin)).status).toBe(404);
});
