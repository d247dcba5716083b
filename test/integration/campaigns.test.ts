/**
 * Campaigns and bulk enrolment on the real dev server, Redis and SMTP (README "Nurture flows"): a CSV of a few
 * hundred rows streamed to the API with bad lines at known positions → exactly those lines
 * rejected with reasons and every other row enrolled; the same file again → no new workflow;
 * pausing a campaign holds a cadence email that resuming releases; cancelling ends the cadence.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMailCatcher, type MailCatcher } from '../../devstack/services';
import { postCsv as postBulkCsv, runImport, waitBatchDone } from '../support/bulk';
import { KEYS, eventually, startStack, type Stack } from '../support/stack';

jest.setTimeout(300_000);
let mail: MailCatcher;
let stack: Stack;
const run = crypto.randomBytes(3).toString('hex');

beforeAll(async () => {
  mail = await startMailCatcher({});
  stack = await startStack({ config: { SMTP_URL: mail.smtpUrl, BULK_ENROL_RATE: '100' } });
  const put = await stack.call('PUT', '/v1/config/cadences', KEYS.marketing, {
    cadences: {
      nurture: {
        steps: [
          { after: '0s', template: 'approach_intro' },
          { after: '15s', template: 'approach_followup_1' },
        ],
        businessHours: null,
      },
    },
  });
  expect(put.status).toBe(200);
});
afterAll(async () => {
  await stack?.stop();
  await mail?.stop();
});

const postCsv = (csv: string, key: string, query = '') => postBulkCsv(stack, csv, { key, query });
const waitDone = (id: string) => waitBatchDone(stack, id);

/** 240 data rows (file lines 2–241); the bad ones are at lines 10, 50, 120, 150, 200 and 230. */
function campaignCsv(campaign: string): { csv: string; bad: Record<number, RegExp> } {
  const lines = ['id,email,name,company,owner,team,value,timezone,stage,source'];
  for (let line = 2; line <= 241; line++) {
    const n = line - 1;
    const id = `imp-${run}-${n}`;
    let row = [
      id,
      `${id}@import.test`,
      `Lead ${n}`,
      `Co ${n % 7}`,
      '',
      n % 2 ? 'alpha' : 'beta',
      String(100 * n),
      'Europe/Berlin',
      'preparation',
      'csv',
    ];
    if (line === 10) row[1] = 'not-an-email';
    if (line === 50) row[4] = 'nobody';
    if (line === 120) row[6] = '-5';
    if (line === 150) row = row.slice(0, 4); // too few columns
    if (line === 200) row[0] = `imp-${run}-3`; // the same lead as line 4
    if (line === 230) row[7] = 'Mars/Olympus';
    lines.push(row.join(','));
  }
  void campaign;
  return {
    csv: lines.join('\n') + '\n',
    bad: {
      10: /^email: /,
      50: /owner/,
      120: /^value: /,
      150: /wrong number of columns/,
      200: /duplicate of line 4/,
      230: /^timezone: /,
    },
  };
}

test('a CSV with bad lines: exactly those are rejected with reasons, every other row is enrolled; the same file again starts nothing', async () => {
  const campaign = `spring-${run}`;
  expect(
    (
      await stack.call('POST', '/v1/campaigns', KEYS.marketing, {
        id: campaign,
        name: 'Spring nurture',
        cadence: 'nurture',
      })
    ).status,
  ).toBe(201);
  const { csv, bad } = campaignCsv(campaign);

  const first = await postCsv(csv, KEYS.marketing, `?campaign=${campaign}`);
  expect(first.status).toBe(202);
  expect(first.body).toMatchObject({ total: 240, accepted: 234, rejectedCount: 6, campaign });
  expect(first.body.rejected.map((r: { line: number }) => r.line)).toEqual([10, 50, 120, 150, 200, 230]);
  for (const r of first.body.rejected as { line: number; reason: string }[]) expect(r.reason).toMatch(bad[r.line]);

  const done = await waitDone(first.body.id);
  expect(done).toMatchObject({ status: 'done', accepted: 234, enrolled: 234, started: 234 });
  const visible = await eventually(
    async () => {
      const n = await stack.runtime.leads.countMatching({ campaign });
      return n === 234 ? n : undefined;
    },
    60_000,
    'all 234 leads visible',
  );
  expect(visible).toBe(234);
  const c = await stack.call('GET', `/v1/campaigns/${campaign}`, KEYS.marketing);
  expect(c.body).toMatchObject({ id: campaign, state: 'active', cadence: 'nurture', size: 234 });

  // a good row is a real lead with the row's data, in its campaign
  const lead = await stack.runtime.leads.get(`imp-${run}-11`);
  expect(lead).toMatchObject({
    email: `imp-${run}-11@import.test`,
    team: 'alpha',
    value: 1100,
    campaign,
    cadence: 'nurture',
    timezone: 'Europe/Berlin',
  });
  expect(lead.history[0].cause).toContain(`batch ${first.body.id}`);

  // the same file again: no second workflow for any lead
  const again = await postCsv(csv, KEYS.marketing, `?campaign=${campaign}`);
  expect(again.status).toBe(202);
  const done2 = await waitDone(again.body.id);
  expect(done2).toMatchObject({ accepted: 234, enrolled: 234, started: 0 });
  const executions = await stack.runtime.client.workflowService.countWorkflowExecutions({
    namespace: stack.config.TEMPORAL_NAMESPACE,
    query: `WorkflowType = 'leadWorkflow' AND DealflowCampaign = '${campaign}'`,
  });
  expect(Number(executions.count)).toBe(234);
  const relisted = await eventually(
    async () => {
      const st = await stack.runtime.leads.get(`imp-${run}-11`);
      return st.history.some((h) => h.cause.includes(`enrolled again by batch ${again.body.id}`)) ? st : undefined;
    },
    30_000,
    'the re-enrolled lead records it',
  );
  expect(relisted.history.filter((h) => h.type === 'created')).toHaveLength(1);
});

test('bad input is refused clearly: unknown CSV column (400), JSON element position, roles, unknown campaign and batch', async () => {
  const header = await postCsv('email,nmae\na@b.test,x\n', KEYS.marketing);
  expect(header.status).toBe(400);
  expect(header.body.error.details).toEqual([{ path: 'header.nmae', message: 'unknown column' }]);

  const json = await stack.call('POST', '/v1/leads/bulk', KEYS.admin, [
    { id: `j-${run}-1`, email: `j-${run}-1@import.test`, owner: 'alice' },
    { id: `j-${run}-2`, email: `j-${run}-2@import.test`, colour: 'red' },
    'nope',
  ]);
  expect(json.status).toBe(202);
  expect(json.body).toMatchObject({ total: 3, accepted: 1, rejectedCount: 2 });
  expect(json.body.rejected).toEqual([
    { line: 2, reason: 'colour: unknown field' },
    { line: 3, reason: 'not a JSON object' },
  ]);
  expect((await waitDone(json.body.id)).started).toBe(1);

  expect((await stack.call('POST', '/v1/leads/bulk', KEYS.alice, [])).status).toBe(403);
  expect((await stack.call('POST', '/v1/leads/bulk', KEYS.managerAlpha, [])).status).toBe(403);
  expect((await stack.call('POST', '/v1/leads/bulk?campaign=nope', KEYS.marketing, [])).status).toBe(404);
  expect((await stack.call('GET', '/v1/batches/b-doesnotexist', KEYS.marketing)).status).toBe(404);
  expect((await stack.call('POST', '/v1/campaigns', KEYS.marketing, { name: 'x', cadence: 'no-such' })).status).toBe(
    400,
  );
  expect((await stack.call('POST', '/v1/campaigns/nope/pause', KEYS.marketing)).status).toBe(404);
  expect((await stack.call('POST', '/v1/campaigns', KEYS.bob, { name: 'x' })).status).toBe(403);
});

test('pausing a campaign holds its pending cadence email; resuming releases it; cancelling ends the cadence', async () => {
  const campaign = `hold-${run}`;
  expect(
    (await stack.call('POST', '/v1/campaigns', KEYS.marketing, { id: campaign, name: 'Hold me', cadence: 'nurture' }))
      .status,
  ).toBe(201);
  const id = `hold-${run}-1`;
  const to = (m: { to: string[] }) => m.to.some((t) => t.includes(`${id}@`));
  const res = await stack.call('POST', `/v1/leads/bulk?campaign=${campaign}`, KEYS.marketing, [
    { id, email: `${id}@import.test`, owner: 'alice', stage: 'approach' },
  ]);
  expect(res.status).toBe(202);
  await mail.waitFor((ms) => ms.filter(to).length >= 1, 60_000); // step 1 (after 0s)

  const paused = await stack.call('POST', `/v1/campaigns/${campaign}/pause`, KEYS.marketing);
  expect(paused.status).toBe(200);
  expect(paused.body.state).toBe('paused');
  expect((await stack.call('POST', `/v1/campaigns/${campaign}/pause`, KEYS.marketing)).status).toBe(409);

  // step 2 falls due 15 s after step 1 and is held: recorded in the lead's history, not sent
  const held = await eventually(
    async () => {
      const st = await stack.runtime.leads.get(id);
      return st.history.some((h) => h.cause === `approach_followup_1 held: campaign ${campaign} is paused`)
        ? st
        : undefined;
    },
    90_000,
    'the held email',
  );
  expect(held.next).toEqual({ kind: 'held:approach_followup_1', at: null });
  expect(held.history.some((h) => h.cause.startsWith(`campaign ${campaign} paused`))).toBe(true);
  expect(mail.messages().filter(to)).toHaveLength(1);

  expect((await stack.call('POST', `/v1/campaigns/${campaign}/resume`, KEYS.marketing)).body.state).toBe('active');
  const both = await mail.waitFor((ms) => ms.filter(to).length >= 2, 60_000).then((ms) => ms.filter(to));
  expect(both).toHaveLength(2);
  const after = await eventually(async () => {
    const st = await stack.runtime.leads.get(id);
    return st.emails.length === 2 ? st : undefined;
  });
  expect(after.history.some((h) => h.cause.startsWith(`campaign ${campaign} resumed`))).toBe(true);

  const hist = await stack.call('GET', `/v1/campaigns/${campaign}/history`, KEYS.marketing);
  expect(hist.body.items.map((e: { new: { state: string } }) => e.new.state)).toEqual(['active', 'paused', 'active']);

  // cancel: a second lead's cadence ends before its next step
  const id2 = `hold-${run}-2`;
  await stack.call('POST', `/v1/leads/bulk?campaign=${campaign}`, KEYS.marketing, [
    { id: id2, email: `${id2}@import.test`, owner: 'alice', stage: 'approach' },
  ]);
  await mail.waitFor((ms) => ms.some((m) => m.to.some((t) => t.includes(`${id2}@`))), 60_000);
  expect((await stack.call('POST', `/v1/campaigns/${campaign}/cancel`, KEYS.admin)).body.state).toBe('cancelled');
  const stopped = await eventually(
    async () => {
      const st = await stack.runtime.leads.get(id2);
      return st.history.some((h) => h.cause === `cadence stopped: campaign ${campaign} was cancelled`) ? st : undefined;
    },
    60_000,
    'the cancelled cadence',
  );
  expect(stopped.emails).toHaveLength(1);
  expect((await stack.call('POST', `/v1/campaigns/${campaign}/resume`, KEYS.marketing)).status).toBe(409);
  expect((await stack.call('POST', `/v1/leads/bulk?campaign=${campaign}`, KEYS.marketing, [])).status).toBe(400);
});

test('`dealflow import FILE.csv --campaign ID`: a progress bar, then every rejected line with its reason (exit 1)', async () => {
  const campaign = `cli-${run}`;
  expect((await stack.call('POST', '/v1/campaigns', KEYS.marketing, { id: campaign, name: 'CLI import' })).status).toBe(
    201,
  );
  const rows = ['email,name,owner'];
  for (let i = 1; i <= 20; i++)
    rows.push(i === 7 ? 'broken,Seven,alice' : `cli-${run}-${i}@import.test,Lead ${i},${i === 12 ? 'ghost' : 'bob'}`);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-import-')), 'leads.csv');
  fs.writeFileSync(file, rows.join('\n') + '\n');
  const { code, stdout, stderr } = await runImport(stack, file, ['--campaign', campaign, '--as', 'ops-anna']);
  expect({ code, stderr }).toMatchObject({ code: 1 });
  expect(stderr).toMatch(/enrolled +\[#{30}\] 18\/18 100%/);
  expect(stdout).toContain(
    '20 rows read, 18 accepted, 2 rejected; 18 enrolled (18 new leads, 0 already running) into campaign ' + campaign,
  );
  expect(stdout).toMatch(/line 8: email: /);
  expect(stdout).toMatch(/line 13: owner: /);
  const lead = await stack.runtime.leads.get(
    (await stack.runtime.leads.prepare({ email: `cli-${run}-3@import.test` })).id,
  );
  expect(lead).toMatchObject({ owner: 'bob', campaign, cadence: 'default' });
  expect(lead.history[0].actor).toBe('ops-anna');
});
