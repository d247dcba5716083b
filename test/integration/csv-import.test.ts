/**
 * CSV imports that never garble, on the real dev server, Redis and SMTP (README "Importing a CSV
 * file"): the CRLF file reports the bad row at the line it starts on (4) and enrols the
 * good one; the Windows-1252 file is refused as UTF-8 (400, naming line and byte, nothing
 * enrolled or kept — also when the bad byte comes after 1,200 good rows) and read correctly with
 * `?encoding=windows-1252` / `charset=` / `dealflow import --encoding`, so the customer is greeted
 * "Hi Björn Sørensen"; semicolon and tab files with aliased headers; clear 400s for the options;
 * lead text that already holds U+FFFD refused on the API and the JSON bulk path.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMailCatcher, type MailCatcher } from '../../devstack/services';
import { postCsv as postBulkCsv, runImport, waitBatchDone } from '../support/bulk';
import { KEYS, startStack, type Stack } from '../support/stack';

jest.setTimeout(300_000);
let mail: MailCatcher;
let stack: Stack;
const run = crypto.randomBytes(3).toString('hex');
const campaign = `garble-${run}`;

beforeAll(async () => {
  mail = await startMailCatcher({});
  stack = await startStack({ config: { SMTP_URL: mail.smtpUrl, BULK_ENROL_RATE: '100' } });
  const put = await stack.call('PUT', '/v1/config/cadences', KEYS.marketing, {
    cadences: { intro: { steps: [{ after: '0s', template: 'approach_intro' }], businessHours: null } },
  });
  expect(put.status).toBe(200);
  expect(
    (await stack.call('POST', '/v1/campaigns', KEYS.marketing, { id: campaign, name: 'Encodings', cadence: 'intro' }))
      .status,
  ).toBe(201);
});
afterAll(async () => {
  await stack?.stop();
  await mail?.stop();
});

/** Small pieces: chunk borders fall inside characters and CRLFs. */
const postCsv = (data: string | Buffer, query = '', contentType = 'text/csv') =>
  postBulkCsv(stack, data, { query, contentType, pieceBytes: 5 });
const waitDone = (id: string) => waitBatchDone(stack, id);
const leadOf = async (email: string) => stack.runtime.leads.get((await stack.runtime.leads.prepare({ email })).id);
const rowsKeys = () => stack.runtime.redis.keys(`${stack.config.REDIS_PREFIX}batch:*:rows`);

/** The input (b): a Windows-1252 row, Björn Sørensen of København ApS. */
const bjorn = (email: string) =>
  Buffer.concat([
    Buffer.from('email,name,company,owner,stage\r\n'),
    Buffer.from(`${email},Bj\xf6rn S\xf8rensen,K\xf8benhavn ApS,alice,approach\r\n`, 'latin1'),
  ]);

test("the issue's CRLF file: the bad row is reported at line 4, the good row (a CRLF in its company) is enrolled", async () => {
  const roya = `roya3.a-${run}@example.org`;
  const res = await postCsv(
    `email,name,company,team\r\n${roya},Roya A,"Atlas\r\nLogistics",alpha\r\nnot-an-email,Bad Row,X,alpha\r\n`,
  );
  expect(res.status).toBe(202);
  expect(res.body).toMatchObject({ total: 2, accepted: 1, rejectedCount: 1 });
  expect(res.body.rejected).toEqual([{ line: 4, reason: 'email: must be an email address' }]);
  await waitDone(res.body.id);
  expect(await leadOf(roya)).toMatchObject({ email: roya, name: 'Roya A', company: 'Atlas Logistics', team: 'alpha' });
});

test("the issue's Windows-1252 file without an encoding: 400 naming line and byte; nothing enrolled or kept", async () => {
  const email = `bjorn-refused-${run}@example.org`;
  const keysBefore = (await rowsKeys()).sort();
  const res = await postCsv(bjorn(email), `?campaign=${campaign}`);
  expect(res.status).toBe(400);
  expect(res.body.error.message).toBe(
    'line 2: byte 0xF6 is not valid UTF-8; pass ?encoding=windows-1252 if the file is Windows-1252 (or name its encoding)',
  );
  await expect(leadOf(email)).rejects.toThrow(/no lead|not found/i);

  // 1,200 good rows first (stored in slices as they are read), then the bad byte on line 1202: still nothing kept
  const good = Array.from({ length: 1200 }, (_, i) => `late-${run}-${i}@import.test,Lead ${i}`);
  const late = Buffer.concat([
    Buffer.from(['email,name', ...good, `late-${run}-x@import.test,`].join('\r\n')),
    Buffer.from('Bj\xf6rn\r\n', 'latin1'),
  ]);
  const res2 = await postCsv(late);
  expect(res2.status).toBe(400);
  expect(res2.body.error.message).toMatch(/^line 1202: byte 0xF6 is not valid UTF-8/);
  expect((await rowsKeys()).sort()).toEqual(keysBefore);
  await expect(leadOf(`late-${run}-0@import.test`)).rejects.toThrow(/no lead|not found/i);
  expect(mail.messages().filter((m) => m.to.some((t) => t.includes(email)))).toHaveLength(0);
});

test('with ?encoding=windows-1252 (or charset=windows-1252) the name is stored and mailed as "Björn Sørensen"', async () => {
  const email = `bjorn-${run}@example.org`;
  const res = await postCsv(bjorn(email), `?campaign=${campaign}&encoding=windows-1252`);
  expect(res.status).toBe(202);
  expect(res.body).toMatchObject({ total: 1, accepted: 1, rejectedCount: 0 });
  await waitDone(res.body.id);
  expect(await leadOf(email)).toMatchObject({ name: 'Björn Sørensen', company: 'København ApS', campaign });
  const [intro] = await mail
    .waitFor((ms) => ms.some((m) => m.to.some((t) => t.includes(email))), 60_000)
    .then((ms) => ms.filter((m) => m.to.some((t) => t.includes(email))));
  expect(intro.text).toContain('Hi Björn Sørensen,');
  expect(intro.subject).toContain('København ApS');
  expect(intro.text + intro.subject).not.toContain('\uFFFD');

  const viaCharset = `bjorn-charset-${run}@example.org`;
  const res2 = await postCsv(bjorn(viaCharset), '', 'text/csv; charset=windows-1252');
  expect(res2.status).toBe(202);
  expect(res2.body.accepted).toBe(1);
  await waitDone(res2.body.id);
  expect(await leadOf(viaCharset)).toMatchObject({ name: 'Björn Sørensen', company: 'København ApS' });
});

test('semicolon and tab files with aliased, mixed-case headers are read; a delimiter that does not fit is refused naming the one found', async () => {
  const semi = `semi-${run}@import.test`;
  const res = await postCsv(`\uFEFFE-mail;Full Name;Organisation;TEAM\r\n${semi};"Lee; Ann";"Lee, Inc.";beta\r\n`);
  expect(res.status).toBe(202);
  expect(res.body).toMatchObject({ accepted: 1, rejectedCount: 0 });
  await waitDone(res.body.id);
  expect(await leadOf(semi)).toMatchObject({ name: 'Lee; Ann', company: 'Lee, Inc.', team: 'beta' });

  const tab = `tab-${run}@import.test`;
  const res2 = await postCsv(
    `Email Address\tContact name\tCompany name\n${tab}\tTab Person\tTabs Ltd\n`,
    '?delimiter=tab',
  );
  expect(res2.status).toBe(202);
  await waitDone(res2.body.id);
  expect(await leadOf(tab)).toMatchObject({ name: 'Tab Person', company: 'Tabs Ltd' });

  const wrong = await postCsv('email;name\r\na@b.test;A\r\n', '?delimiter=comma');
  expect(wrong.status).toBe(400);
  expect(wrong.body.error.message).toBe(
    'the header line is separated by ";", not ","; pass ?delimiter=semicolon or leave the delimiter out',
  );
});

test('options and text are refused clearly: unknown encoding or delimiter (400 naming the parameter), CSV options on JSON, U+FFFD in lead text', async () => {
  const enc = await postCsv('email\r\na@b.test\r\n', '?encoding=klingon');
  expect(enc.status).toBe(400);
  expect(enc.body.error.details).toEqual([{ path: 'encoding', message: expect.stringMatching(/^unknown encoding/) }]);
  const delim = await postCsv('email\r\na@b.test\r\n', '?delimiter=colon');
  expect(delim.status).toBe(400);
  expect(delim.body.error.details).toEqual([{ path: 'delimiter', message: expect.stringMatching(/^must be one of/) }]);
  const charset = await postCsv('email\r\na@b.test\r\n', '', 'text/csv; charset=klingon');
  expect(charset.status).toBe(400);
  expect(charset.body.error.details).toEqual([{ path: 'content-type.charset', message: 'unknown encoding' }]);
  const jsonWithEncoding = await stack.call('POST', '/v1/leads/bulk?encoding=windows-1252', KEYS.marketing, [
    { email: 'a@b.test' },
  ]);
  expect(jsonWithEncoding.status).toBe(400);
  expect(jsonWithEncoding.body.error.details).toEqual([
    { path: 'encoding', message: 'applies to a text/csv body only' },
  ]);

  // text that already holds U+FFFD is garbled: refused on the API and per row on the JSON bulk path
  const api = await stack.call('POST', '/v1/leads', KEYS.admin, {
    id: `fffd-${run}`,
    email: `fffd-${run}@import.test`,
    name: 'Bj\uFFFDrn',
    team: 'alpha',
  });
  expect(api.status).toBe(400);
  expect(api.body.error.details).toEqual([{ path: 'name', message: expect.stringContaining('U+FFFD') }]);
  // a JSON body whose bytes are not UTF-8 (a Windows-1252 "ö") reaches the schema as U+FFFD: the row is refused, not stored
  const raw = await fetch(`${stack.baseUrl}/v1/leads/bulk`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.marketing}`, 'content-type': 'application/json' },
    body: Buffer.concat([
      Buffer.from(`[{"email":"raw-${run}@import.test","name":"Bj\xf6rn"},`, 'latin1'),
      Buffer.from(`{"email":"ok-${run}@import.test","name":"Björn"}]`, 'utf8'),
    ]),
  });
  const rawBody = (await raw.json()) as { rejected: unknown[] };
  expect(raw.status).toBe(202);
  expect(rawBody).toMatchObject({ total: 2, accepted: 1, rejectedCount: 1 });
  expect(rawBody.rejected).toEqual([{ line: 1, reason: expect.stringMatching(/^name: contains U\+FFFD/) }]);
});

test('`dealflow import --encoding windows-1252` reads the file; without it the file is refused naming --encoding (exit 2); an unknown name exits 2', async () => {
  const email = `bjorn-cli-${run}@example.org`;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-import-')), 'leads-1252.csv');
  fs.writeFileSync(file, bjorn(email));
  const cli = (...args: string[]) => runImport(stack, file, args);

  const refused = await cli();
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(
    `${file}: line 2: byte 0xF6 is not valid UTF-8; pass --encoding windows-1252 if the file is Windows-1252`,
  );
  await expect(leadOf(email)).rejects.toThrow(/no lead|not found/i);

  const unknown = await cli('--encoding', 'klingon');
  expect(unknown).toMatchObject({
    code: 2,
    stderr: expect.stringContaining("option '--encoding <name>' argument 'klingon' is invalid. Unknown encoding"),
  });

  const ok = await cli('--encoding', 'windows-1252');
  expect({ code: ok.code, stderr: ok.stderr }).toMatchObject({ code: 0 });
  expect(ok.stdout).toContain('1 rows read, 1 accepted, 0 rejected; 1 enrolled (1 new leads, 0 already running)');
  expect(await leadOf(email)).toMatchObject({ name: 'Björn Sørensen', company: 'København ApS', owner: 'alice' });
});
