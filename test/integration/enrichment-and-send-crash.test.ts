/**
 * Two failure paths on the real stack:
 * - the enrichment provider (a local HTTP server) is down: the lead still advances, the gap is in
 *   its history, and the company profile lands once the provider is back;
 * - the worker is SIGKILLed right after the SMTP server accepted a cadence email: after a restart,
 *   exactly one message per step has reached the SMTP server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMailCatcher, type MailCatcher } from '../../devstack/services';
import { KEYS, eventually, startStack, type Stack } from '../support/stack';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(240_000);

describe('enrichment provider down', () => {
  let stack: Stack;
  let provider: http.Server | undefined;
  let port = 0;
  const hits: string[] = [];
  const startProvider = () =>
    new Promise<void>((resolve) => {
      provider = http.createServer((req, res) => {
        hits.push(req.url ?? '');
        if (req.url?.startsWith('/companies?domain=acme-industries.test')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ name: 'Acme Industries', employees: 1200, industry: 'Manufacturing', country: 'DE' }),
          );
        } else {
          res.writeHead(404).end();
        }
      });
      provider.listen(port, '127.0.0.1', () => {
        port = (provider!.address() as AddressInfo).port;
        resolve();
      });
    });
  const stopProvider = () => new Promise<void>((resolve) => provider!.close(() => resolve()));

  beforeAll(async () => {
    await startProvider();
    await stopProvider(); // we know its port; it is down when the lead arrives
    stack = await startStack({ config: { ENRICHMENT_URL: `http://127.0.0.1:${port}`, ENRICHMENT_RETRY: '2s' } });
  });
  afterAll(async () => {
    await stack?.stop();
    if (provider?.listening) await stopProvider();
  });

  test('the lead goes on, the gap is recorded, and enrichment lands when the provider is back', async () => {
    const created = await stack.call('POST', '/v1/leads', KEYS.admin, {
      id: 'enrich-1',
      email: 'vp@acme-industries.test',
      owner: 'alice',
      title: 'VP Sales',
    });
    expect(created.status).toBe(201);
    const gap = await eventually(
      async () => {
        const s = await stack.runtime.leads.get('enrich-1');
        return s.enrichmentStatus === 'gap' ? s : undefined;
      },
      60_000,
      'the gap',
    );
    expect(gap.history.find((h) => h.type === 'automation_failed')!.cause).toMatch(
      /enrichment provider unavailable.*retried/,
    );
    expect(gap.score).not.toBeNull(); // scored from what is known
    // the lead advances meanwhile
    expect((await stack.call('POST', '/v1/leads/enrich-1/stage', KEYS.alice, { to: 'preparation' })).status).toBe(200);

    await startProvider();
    const s = await eventually(
      async () => {
        const st = await stack.runtime.leads.get('enrich-1');
        return st.enrichmentStatus === 'ok' ? st : undefined;
      },
      90_000,
      'enrichment to land',
    );
    expect(s.enrichment).toMatchObject({ company: { name: 'Acme Industries', employees: 1200 } });
    expect(s.stage).toBe('preparation');
    expect(s.history.some((h) => /company profile for acme-industries\.test/.test(h.cause))).toBe(true);
    expect(hits.some((u) => u.includes('acme-industries.test'))).toBe(true);
    // one gap entry, however many retries it took
    expect(s.history.filter((h) => h.type === 'automation_failed')).toHaveLength(1);
  });
});

describe('worker killed between send and completion', () => {
  let mail: MailCatcher;
  let stack: Stack;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    mail = await startMailCatcher({});
    stack = await startStack({ worker: false, config: { SMTP_URL: mail.smtpUrl } });
    await stack.call('PUT', '/v1/config/cadences', KEYS.marketing, {
      cadences: {
        crash: {
          steps: [
            { after: '0s', template: 'approach_intro' },
            { after: '3s', template: 'approach_followup_1' },
          ],
          businessHours: null,
        },
      },
    });
  });
  afterAll(async () => {
    for (const w of workers) await w.kill('SIGKILL');
    await stack?.stop();
    await mail?.stop();
  });

  test('exactly one message per step reaches the SMTP server', async () => {
    workers.push(await spawnWorker(stack.config));
    const ids = ['sc-1', 'sc-2', 'sc-3', 'sc-4'];
    for (const id of ids)
      await stack.runtime.leads.create(
        { id, email: `${id}@customer.test`, owner: 'alice', stage: 'approach', cadence: 'crash' },
        'test',
      );
    // the moment the first message is accepted, kill the worker
    await mail.waitFor((ms) => ms.length >= 1, 60_000);
    await workers[0].kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    workers.push(await spawnWorker(stack.config));
    const all = await mail.waitFor(
      (ms) => ids.every((id) => ms.filter((m) => m.to.some((t) => t.startsWith(`${id}@`))).length >= 2),
      90_000,
    );
    await new Promise((r) => setTimeout(r, 3000)); // let any duplicate show itself
    for (const id of ids) {
      const mine = mail.messages().filter((m) => m.to.some((t) => t.startsWith(`${id}@`)));
      expect(mine.map((m) => m.subject).length).toBe(2);
      expect(new Set(mine.map((m) => m.messageId)).size).toBe(2);
    }
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(mail.messages()).toHaveLength(8);
  });
});
