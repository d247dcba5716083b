/**
 * One person, one open lead; replies reach the deal they answer (README "One lead per person",
 * "Replies and matching"). On the real Temporal, Redis and an SMTP catcher:
 * - a lead created by the API, then the same person in a CSV row without an id: the row IS that
 *   lead (signalled `enrolled`), the person gets one introduction, from one lead;
 * - concurrent creates of one address (API with and without ids, CSV and JSON imports) end in one lead;
 * - a returning customer: without an id the closed lead (not re-opened), with a new id a new lead
 *   linked to the old one; a second open lead for the person is refused (409, field `email`);
 * - a reply carrying only `From: "Mina R" <MINA.Reply@EXAMPLE.ORG>` reaches the lead created in
 *   `approach` (API or CSV stage column) and stops its cadence; the newest open lead wins, a closed
 *   one only when none is open, and the answer says which and why.
 */
import type { MailCatcher } from '../../devstack/services';
import { parseMessageId } from '../../store/email/mailer';
import { leadIdFromEmail } from '../../store/enrichment/normalise';
import { KEYS, eventually, type Stack } from '../support/stack';
import { signInbound, startMailStack } from '../support/mail-stack';

jest.setTimeout(240_000);
let mail: MailCatcher;
let stack: Stack;
const SECRET = 'inbound-secret-for-identity-tests-0123';

beforeAll(async () => {
  // the default approach cadence, fast and at any hour, so the test sees its emails
  ({ mail, stack } = await startMailStack(SECRET, 'default'));
});
afterAll(async () => {
  await stack?.stop();
  await mail?.stop();
});

const to = (addr: string) => (m: { to: string[] }) => m.to.some((t) => t.toLowerCase().includes(addr));
const mailsTo = (addr: string) => mail.messages().filter(to(addr));
const leadOf = (m: { messageId?: string }) => parseMessageId(m.messageId ?? '', 'dealflow.test')?.leadId;

async function csv(text: string, key = KEYS.marketing): Promise<{ status: number; body: any }> {
  const res = await fetch(`${stack.baseUrl}/v1/leads/bulk`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
    body: text,
  });
  return { status: res.status, body: await res.json() };
}
async function batchDone(id: string): Promise<any> {
  return eventually(
    async () => {
      const b = await stack.call('GET', `/v1/batches/${id}`, KEYS.marketing);
      return b.body.status === 'done' ? b.body : undefined;
    },
    30_000,
    `batch ${id} done`,
  );
}
async function inbound(payload: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const body = JSON.stringify(payload);
  const res = await fetch(`${stack.baseUrl}/v1/inbound/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dealflow-signature': signInbound(SECRET, body) },
    body,
  });
  return { status: res.status, body: await res.json() };
}
const exists = async (id: string) => (await stack.call('GET', `/v1/leads/${id}`, KEYS.admin)).status === 200;
const indexed = (email: string) => stack.runtime.leads.addresses.entries(email);

test('issue input: the CSV row without an id for a person with an open lead is that lead; one introduction', async () => {
  const created = await stack.call('POST', '/v1/leads', KEYS.marketing, {
    id: 'nima-1',
    email: 'nima.j@example.org',
    name: 'Nima J',
    team: 'alpha',
    stage: 'approach',
  });
  expect(created.status).toBe(201);
  await mail.waitFor((ms) => ms.some(to('nima.j@example.org')), 30_000);

  const sub = await csv('email,name,team,stage\nnima.j@example.org,Nima J,alpha,approach\n');
  expect(sub.status).toBe(202);
  const batch = await batchDone(sub.body.id);
  expect(batch).toMatchObject({ accepted: 1, rejectedCount: 0 });
  const state = await eventually(
    async () => {
      const s = await stack.runtime.leads.get('nima-1');
      return s.history.some((h) => /enrolled again by batch/.test(h.cause)) ? s : undefined;
    },
    20_000,
    'nima-1 signalled enrolled',
  );
  expect(state.status).toBe('open');
  expect(await exists(leadIdFromEmail('nima.j@example.org'))).toBe(false);

  // the same person through the API without an id, in other spellings: the same lead, 200
  for (const email of [' Nima.J@Example.ORG ', 'NIMA.J@EXAMPLE.ORG']) {
    const again = await stack.call('POST', '/v1/leads', KEYS.marketing, { email, name: 'Nima J', team: 'alpha' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: 'nima-1', created: false, reason: 'the open lead for this email address' });
  }
  // and as a JSON bulk row
  const json = await stack.call('POST', '/v1/leads/bulk', KEYS.marketing, [
    { email: 'nima.j@example.org', team: 'alpha' },
  ]);
  await batchDone(json.body.id);
  // a manager of another team learns no id
  expect(
    (await stack.call('POST', '/v1/leads', KEYS.managerBeta, { email: 'nima.j@example.org', team: 'beta' })).status,
  ).toBe(403);

  expect(await indexed('nima.j@example.org')).toEqual([expect.objectContaining({ id: 'nima-1', status: 'open' })]);
  await new Promise((r) => setTimeout(r, 2_000));
  const ms = mailsTo('nima.j@example.org');
  expect(ms.length).toBeGreaterThanOrEqual(1);
  expect(ms.map(leadOf).every((id) => id === 'nima-1')).toBe(true); // every email from the one lead
  const intro = (await stack.runtime.leads.get('nima-1')).emails.filter((e) => e.template === 'approach_intro');
  expect(intro).toHaveLength(1);
  expect(ms.filter((m) => m.messageId === intro[0].messageId)).toHaveLength(1); // one introduction, delivered once
  expect(new Set(ms.map((m) => m.messageId)).size).toBe(ms.length);
});

test('concurrent creates of one address (API with and without ids, CSV and JSON imports) end in one open lead', async () => {
  const email = 'race.person@example.org';
  const [a, b, c, d, csvRes, jsonRes] = await Promise.all([
    stack.call('POST', '/v1/leads', KEYS.marketing, { id: 'race-a', email, team: 'alpha' }),
    stack.call('POST', '/v1/leads', KEYS.marketing, { id: 'race-b', email: ' Race.Person@EXAMPLE.org', team: 'alpha' }),
    stack.call('POST', '/v1/leads', KEYS.marketing, { email: 'RACE.PERSON@example.org', team: 'alpha' }),
    stack.call('POST', '/v1/leads', KEYS.marketing, { email, team: 'alpha' }),
    csv(`email,team\n${email},alpha\n`),
    stack.call('POST', '/v1/leads/bulk', KEYS.marketing, [{ email: 'Race.Person@example.org', team: 'alpha' }]),
  ]);
  await batchDone(csvRes.body.id);
  await batchDone(jsonRes.body.id);
  const [entry, ...more] = await indexed(email);
  expect(more).toEqual([]);
  const winner = entry.id;
  expect(entry.status).toBe('open');
  for (const r of [c, d]) expect([200, 201]).toContain(r.status);
  expect([c, d].map((r) => r.body.id)).toEqual([winner, winner]);
  for (const r of [a, b]) {
    if (r.body.id === winner) continue;
    expect(r.status).toBe(409);
    expect(r.body.error.details).toEqual([{ path: 'email', message: `the address of open lead ${winner}` }]);
  }
  const present = await Promise.all(['race-a', 'race-b', leadIdFromEmail(email)].map(exists));
  expect(present.filter(Boolean)).toHaveLength(1);
});

test('a returning customer: no id → the closed lead, not re-opened; a new id → a new lead linked to it; never two open', async () => {
  const email = 'ret.customer@example.org';
  expect(
    (
      await stack.call('POST', '/v1/leads', KEYS.marketing, {
        id: 'ret-1',
        email,
        team: 'alpha',
        stage: 'presentation',
      })
    ).status,
  ).toBe(201);
  expect((await stack.call('POST', '/v1/leads/ret-1/lost', KEYS.admin, { reason: 'no budget' })).status).toBe(200);
  // the workflow marks the lead closed in the address index
  await eventually(
    async () => (await indexed(email)).find((e) => e.id === 'ret-1' && e.status === 'closed'),
    20_000,
    'ret-1 closed in the index',
  );

  const noId = await stack.call('POST', '/v1/leads', KEYS.marketing, {
    email: 'Ret.Customer@example.org',
    team: 'alpha',
  });
  expect(noId.status).toBe(200);
  expect(noId.body).toMatchObject({ id: 'ret-1', created: false });
  expect(noId.body.reason).toMatch(/closed and not re-opened: send a new id/);
  expect((await stack.runtime.leads.get('ret-1')).status).toBe('lost');

  const fresh = await stack.call('POST', '/v1/leads', KEYS.marketing, { id: 'ret-2', email, team: 'alpha' });
  expect(fresh.status).toBe(201);
  expect(fresh.body).toMatchObject({ id: 'ret-2', created: true, previousLeadId: 'ret-1' });
  const s = await stack.runtime.leads.get('ret-2');
  expect(s.previousLeadId).toBe('ret-1');
  expect(s.history[0]).toMatchObject({ type: 'created', data: { previousLeadId: 'ret-1' } });
  expect(s.history[0].cause).toContain('closed lead ret-1');

  // now ret-2 is open: a third id for the person is refused, naming it; a CSV row the same, by line
  // a manager of another team is not told the open lead's id
  expect((await stack.call('POST', '/v1/leads', KEYS.managerBeta, { id: 'ret-3', email, team: 'beta' })).status).toBe(
    403,
  );
  const third = await stack.call('POST', '/v1/leads', KEYS.marketing, {
    id: 'ret-3',
    email: ' RET.customer@example.org',
    team: 'alpha',
  });
  expect(third.status).toBe(409);
  expect(third.body.error.details).toEqual([{ path: 'email', message: 'the address of open lead ret-2' }]);
  const rows = await csv(`id,email,team\nret-4,${email},alpha\n,${email},alpha\n`);
  const b = await batchDone(rows.body.id);
  expect(b.rejected).toEqual([{ line: 2, reason: expect.stringContaining('the address of open lead ret-2') }]);
  expect(b.accepted).toBe(1); // the row without an id: ret-2, signalled
  expect(await exists('ret-3')).toBe(false);
  expect(await exists('ret-4')).toBe(false);
});

test('issue input: a reply with only a display-name From reaches the lead created in approach and stops its cadence', async () => {
  expect(
    (
      await stack.call('POST', '/v1/leads', KEYS.marketing, {
        id: 'mina-1',
        email: 'mina.reply@example.org',
        name: 'Mina R',
        team: 'alpha',
        stage: 'approach',
      })
    ).status,
  ).toBe(201);
  const sub = await csv('email,name,team,stage\nmina.csv@example.org,Mina C,alpha,approach\n');
  await batchDone(sub.body.id);
  const csvLead = leadIdFromEmail('mina.csv@example.org');
  await mail.waitFor((ms) => ms.some(to('mina.reply@example.org')) && ms.some(to('mina.csv@example.org')), 30_000);

  const r1 = await inbound({
    from: '"Mina R" <MINA.Reply@EXAMPLE.ORG>',
    to: 'sales@dealflow.test',
    subject: 'Re: hello',
  });
  expect(r1.status).toBe(202);
  expect(r1.body).toEqual({ matched: { leadId: 'mina-1', by: 'sender', reason: 'newest open lead for this address' } });
  const r2 = await inbound({ from: 'Mina C <Mina.CSV@example.org >', subject: 'Re: hi' });
  expect(r2.body).toEqual({ matched: { leadId: csvLead, by: 'sender', reason: 'newest open lead for this address' } });

  for (const id of ['mina-1', csvLead]) {
    await eventually(
      async () => (await stack.runtime.leads.get(id)).history.some((h) => h.type === 'customer_replied'),
      20_000,
      `${id} replied`,
    );
  }
  await new Promise((r) => setTimeout(r, 9_000)); // past the next two steps
  expect(mailsTo('mina.reply@example.org')).toHaveLength(1);
  expect(mailsTo('mina.csv@example.org')).toHaveLength(1);
  expect(
    (await stack.runtime.leads.get('mina-1')).history.some((h) => h.cause === 'cadence stopped: the customer replied'),
  ).toBe(true);

  const nobody = await inbound({ from: 'Stranger <nobody@example.org>' });
  expect(nobody.body).toEqual({ matched: null, reason: expect.any(String) });
  const daemon = await inbound({ from: 'MAILER-DAEMON' });
  expect(daemon).toEqual({ status: 202, body: { matched: null, reason: 'the From header holds no email address' } });
});

test('by sender: the newest open lead wins; a closed one only when none is open, and the answer says so', async () => {
  const email = 'pref.person@example.org';
  expect(
    (
      await stack.call('POST', '/v1/leads', KEYS.marketing, {
        id: 'pref-1',
        email,
        team: 'alpha',
        stage: 'presentation',
      })
    ).status,
  ).toBe(201);
  expect((await stack.call('POST', '/v1/leads/pref-1/lost', KEYS.admin, { reason: 'timing' })).status).toBe(200);
  await eventually(async () => (await indexed(email)).find((e) => e.status === 'closed'), 20_000, 'pref-1 closed');
  expect(
    (
      await stack.call('POST', '/v1/leads', KEYS.marketing, {
        id: 'pref-2',
        email,
        team: 'alpha',
        stage: 'presentation',
      })
    ).status,
  ).toBe(201);

  const open = await inbound({ from: 'P <PREF.PERSON@example.org>' });
  expect(open.body).toEqual({
    matched: { leadId: 'pref-2', by: 'sender', reason: 'newest open lead for this address' },
  });

  expect((await stack.call('POST', '/v1/leads/pref-2/won', KEYS.admin, {})).status).toBe(200);
  await eventually(
    async () => (await indexed(email)).every((e) => e.status === 'closed'),
    20_000,
    'pref-2 closed (won)',
  );
  const closed = await inbound({ from: 'pref.person@example.org' });
  expect(closed.body).toEqual({
    matched: { leadId: 'pref-2', by: 'sender', reason: 'no open lead for this address; newest closed lead' },
  });
});

test('leads started before the address index: found by the prospecting claim, and `lead reindex` puts them in', async () => {
  const email = 'before.index@example.org';
  expect(
    (
      await stack.call('POST', '/v1/leads', KEYS.marketing, {
        id: 'pre-1',
        email,
        team: 'alpha',
        stage: 'presentation',
      })
    ).status,
  ).toBe(201);
  expect((await stack.call('POST', '/v1/leads/pre-1/lost', KEYS.admin, { reason: 'went quiet' })).status).toBe(200);
  expect((await stack.call('POST', '/v1/leads', KEYS.marketing, { id: 'pre-2', email, team: 'alpha' })).status).toBe(
    201,
  );
  await eventually(
    async () => (await indexed(email)).find((e) => e.id === 'pre-1' && e.status === 'closed'),
    20_000,
    'pre-1 closed',
  );
  // as a deployment that predates the index: no entry, only the first lead's prospecting claim
  await stack.runtime.redis.hdel(stack.runtime.leads.addresses.key, email);
  await stack.runtime.redis.hset(`${stack.config.REDIS_PREFIX}lead-by-email`, email, 'pre-1');
  const legacy = await inbound({ from: `<${email}>` });
  expect(legacy.body.matched).toEqual({
    leadId: 'pre-1',
    by: 'sender',
    reason: expect.stringContaining('not in the address index'),
  });

  await eventually(
    async () => (await stack.runtime.leads.list({ pageSize: 1000 })).items.some((i) => i.id === 'pre-2'),
    20_000,
    'pre-2 visible',
  );
  const r = await stack.runtime.leads.reindexAddresses();
  expect(r.changed).toBeGreaterThanOrEqual(2);
  expect((await indexed(email)).map((e) => [e.id, e.status])).toEqual([
    ['pre-1', 'closed'],
    ['pre-2', 'open'],
  ]);
  const now = await inbound({ from: `<${email}>` });
  expect(now.body.matched).toEqual({ leadId: 'pre-2', by: 'sender', reason: 'newest open lead for this address' });
  expect((await stack.runtime.leads.reindexAddresses()).changed).toBe(0); // idempotent
});
