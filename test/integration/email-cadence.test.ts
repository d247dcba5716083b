/**
 * The email engine end to end on the real dev server, Redis and a real SMTP server: a named
 * cadence set over the API, its messages with RFC 8058 headers and both parts, Persian RTL, the
 * one-click unsubscribe stopping the cadence (a forged token refused), an inbound reply matched by
 * In-Reply-To stopping another, and lead text that cannot inject headers or script.
 */
import type { MailCatcher } from '../../devstack/services';
import { KEYS, eventually, type Stack } from '../support/stack';
import { signInbound, startMailStack } from '../support/mail-stack';

jest.setTimeout(180_000);
let mail: MailCatcher;
let stack: Stack;
const SECRET = 'inbound-secret-for-tests-0123456789';

beforeAll(async () => {
  ({ mail, stack } = await startMailStack(SECRET, 'fast'));
});
afterAll(async () => {
  await stack?.stop();
  await mail?.stop();
});

const to = (addr: string) => (m: { to: string[] }) => m.to.some((t) => t.includes(addr));
const create = (id: string, extra: Record<string, unknown> = {}) =>
  stack.call('POST', '/v1/leads', KEYS.admin, {
    id,
    email: `${id}@customer.test`,
    owner: 'alice',
    stage: 'approach',
    cadence: 'fast',
    ...extra,
  });

test('cadence validation names the field; unknown templates are refused', async () => {
  const bad = await stack.call('PUT', '/v1/config/cadences', KEYS.marketing, {
    cadences: {
      x: {
        steps: [
          { after: 'soon', template: 'approach_intro' },
          { after: '1d', template: 'no_such_template' },
        ],
        businessHours: null,
      },
    },
  });
  expect(bad.status).toBe(400);
  const paths = bad.body.error.details.map((d: { path: string }) => d.path);
  expect(paths).toEqual(expect.arrayContaining(['cadences.x.steps.0.after', 'cadences.x.steps.1.template']));
  expect((await stack.call('PUT', '/v1/config/cadences', KEYS.alice, { cadences: {} })).status).toBe(403);
});

test('cadence emails arrive with a Message-ID, List-Unsubscribe (one-click) and both parts, escaped', async () => {
  expect((await create('mail-1', { name: '<script>alert(1)</script> Ada', company: 'Evil & Co' })).status).toBe(201);
  const [m] = await mail
    .waitFor((ms) => ms.filter(to('mail-1@')).length >= 1, 30_000)
    .then((ms) => ms.filter(to('mail-1@')));
  expect(m.messageId).toMatch(/^<.+@dealflow\.test>$/);
  expect(m.headers['list-unsubscribe']).toMatch(/<http[^>]+\/u\/[^>]+>/);
  expect(m.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
  expect(m.text.length).toBeGreaterThan(20);
  expect(m.html).toContain('&lt;script&gt;');
  expect(m.html).not.toContain('<script>');
  const state = await eventually(async () => {
    const st = await stack.runtime.leads.get('mail-1');
    return st.emails.length ? st : undefined;
  });
  expect(state.emails[0]).toMatchObject({ template: 'approach_intro', messageId: m.messageId });
  expect(state.history.some((h) => h.type === 'email_sent')).toBe(true);
});

test('a name with CR/LF is refused at the door, so it can reach no header', async () => {
  const res = await create('mail-inject', { name: 'Eve\r\nBcc: attacker@evil.test' });
  expect(res.status).toBe(400);
  expect(res.body.error.details[0].path).toBe('name');
  expect(mail.messages().some((m) => m.envelope.to.includes('attacker@evil.test'))).toBe(false);
});

test('the Persian template is right-to-left', async () => {
  await create('mail-fa', { locale: 'fa', name: 'سارا' });
  const [m] = await mail.waitFor((ms) => ms.some(to('mail-fa@')), 30_000).then((ms) => ms.filter(to('mail-fa@')));
  expect(m.html).toMatch(/dir="rtl"/);
  expect(m.html).toMatch(/lang="fa"/);
});

test('one-click unsubscribe stops the cadence; a forged token is refused', async () => {
  await create('mail-unsub');
  const [first] = await mail
    .waitFor((ms) => ms.some(to('mail-unsub@')), 30_000)
    .then((ms) => ms.filter(to('mail-unsub@')));
  const url = /<(http[^>]+\/u\/[^>]+)>/.exec(first.headers['list-unsubscribe'])![1];
  const token = url.slice(url.indexOf('/u/') + 3);
  const forged = await fetch(`${stack.baseUrl}/u/${token.slice(0, -4)}AAAA`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  expect(forged.status).toBe(403);
  const ok = await fetch(`${stack.baseUrl}/u/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  expect(ok.status).toBe(200);
  const s = await eventually(async () => {
    const st = await stack.runtime.leads.get('mail-unsub');
    return st.suppressed ? st : undefined;
  });
  expect(s.suppressed).toBe('unsubscribed');
  await new Promise((r) => setTimeout(r, 9_000)); // past the next two steps
  expect(mail.messages().filter(to('mail-unsub@'))).toHaveLength(1);
  const after = await stack.runtime.leads.get('mail-unsub');
  expect(after.history.map((h) => h.cause).join('\n')).toMatch(
    /cadence stopped: the address is unsubscribed|not sent: .*unsubscribed/,
  );
});

test('an inbound reply matched by In-Reply-To stops the cadence; a bad signature is refused', async () => {
  await create('mail-reply');
  const [first] = await mail
    .waitFor((ms) => ms.some(to('mail-reply@')), 30_000)
    .then((ms) => ms.filter(to('mail-reply@')));
  const body = JSON.stringify({
    from: 'Customer <mail-reply@customer.test>',
    to: 'sales@dealflow.test',
    subject: 'Re: hello',
    inReplyTo: first.messageId,
    messageId: '<abc@customer.test>',
  });
  const sign = (b: string) => signInbound(SECRET, b);
  const forged = await fetch(`${stack.baseUrl}/v1/inbound/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dealflow-signature': sign(body + ' ') },
    body,
  });
  expect(forged.status).toBe(403);
  // the same body signed ten minutes ago (a captured request replayed): outside the 300 s window
  const replayed = await fetch(`${stack.baseUrl}/v1/inbound/email`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-dealflow-signature': signInbound(SECRET, body, Date.now() / 1000 - 600),
    },
    body,
  });
  expect(replayed.status).toBe(401);
  expect(((await replayed.json()) as { error: { code: string } }).error.code).toBe('signature_expired');
  const unsigned = await fetch(`${stack.baseUrl}/v1/inbound/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  expect(unsigned.status).toBe(401);
  expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe('signature_missing');
  const res = await fetch(`${stack.baseUrl}/v1/inbound/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dealflow-signature': sign(body) },
    body,
  });
  expect(res.status).toBe(202);
  expect(await res.json()).toEqual({
    matched: { leadId: 'mail-reply', by: 'in-reply-to', reason: 'the message it answers was sent for this lead' },
  });
  const s = await eventually(async () => {
    const st = await stack.runtime.leads.get('mail-reply');
    return st.history.some((h) => h.type === 'customer_replied') ? st : undefined;
  });
  expect(s.history.find((h) => h.type === 'customer_replied')!.cause).toContain('inbound_email');
  await new Promise((r) => setTimeout(r, 9_000));
  expect(mail.messages().filter(to('mail-reply@'))).toHaveLength(1);
  expect(
    (await stack.runtime.leads.get('mail-reply')).history.some(
      (h) => h.cause === 'cadence stopped: the customer replied',
    ),
  ).toBe(true);
});

test('the whole cadence goes out in order and ends with a call task for the owner', async () => {
  await create('mail-full');
  const ms = await mail
    .waitFor((all) => all.filter(to('mail-full@')).length >= 3, 60_000)
    .then((all) => all.filter(to('mail-full@')));
  expect(ms).toHaveLength(3);
  expect(new Set(ms.map((m) => m.messageId)).size).toBe(3);
  const task = await eventually(async () =>
    (await stack.runtime.tasks.forLead('mail-full')).find((t) => t.kind === 'call'),
  );
  expect(task.assignee).toBe('alice');
});

test('/readyz reports the SMTP relay: ready while it answers', async () => {
  const ready = await stack.call('GET', '/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toMatchObject({
    status: 'ready',
    checks: { temporal: { ok: true }, redis: { ok: true }, smtp: { ok: true } },
  });
});
