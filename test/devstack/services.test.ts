import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import nodemailer from 'nodemailer';
import { freePort, startMailCatcher, startRedis, waitForPort, type MailCatcher } from '../../devstack/services';

describe('the local mail catcher', () => {
  let catcher: MailCatcher;

  beforeAll(async () => {
    catcher = await startMailCatcher({ smtpPort: await freePort(), httpPort: await freePort() });
  });
  afterAll(() => catcher?.stop());
  beforeEach(() => catcher.clear());

  async function sendOne(subject: string) {
    const transport = nodemailer.createTransport(catcher.smtpUrl);
    try {
      return await transport.sendMail({
        from: 'dealflow <no-reply@dealflow.local>',
        to: 'Ada Lovelace <ada@example.com>',
        bcc: 'audit@example.com',
        subject,
        text: 'Hello Ada,\nhere is the deck.',
        html: '<p>Hello Ada, here is the <b>deck</b>.</p>',
        messageId: '<lead-42.approach.1@dealflow.local>',
        headers: { 'X-Dealflow-Lead': 'lead-42', 'List-Unsubscribe': '<http://127.0.0.1/u/token>' },
      });
    } finally {
      transport.close();
    }
  }

  it('keeps a message sent over SMTP with its subject, headers, text and envelope', async () => {
    await sendOne('Your demo next week');

    const [message] = await catcher.waitFor((m) => m.length === 1, 5_000);
    expect(message).toMatchObject({
      messageId: '<lead-42.approach.1@dealflow.local>',
      subject: 'Your demo next week',
      to: ['ada@example.com'],
      html: '<p>Hello Ada, here is the <b>deck</b>.</p>',
      envelope: { from: 'no-reply@dealflow.local', to: ['ada@example.com', 'audit@example.com'] },
    });
    expect(message.from).toContain('no-reply@dealflow.local');
    expect(message.text.trim()).toBe('Hello Ada,\nhere is the deck.');
    expect(message.headers['x-dealflow-lead']).toBe('lead-42');
    expect(message.headers['list-unsubscribe']).toBe('<http://127.0.0.1/u/token>');
    expect(message.headers.subject).toBe('Your demo next week');
    expect(message.raw).toContain('Subject: Your demo next week');
    expect(Date.parse(message.date ?? '')).not.toBeNaN();
  });

  it('lists caught messages as JSON over HTTP and forgets them on DELETE', async () => {
    await sendOne('Pricing <for> "ACME" & co');
    await catcher.waitFor((m) => m.length === 1, 5_000);

    const listed = (await (await fetch(`${catcher.httpUrl}/messages`)).json()) as Array<Record<string, unknown>>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ subject: 'Pricing <for> "ACME" & co', to: ['ada@example.com'] });
    expect(listed[0]).not.toHaveProperty('raw');
    expect((listed[0].headers as Record<string, string>)['x-dealflow-lead']).toBe('lead-42');

    const page = await (await fetch(`${catcher.httpUrl}/`)).text();
    expect(page).toContain('Pricing &#60;for&#62; &#34;ACME&#34; &#38; co');
    expect(page).not.toContain('<for>');

    expect((await fetch(`${catcher.httpUrl}/messages`, { method: 'DELETE' })).status).toBe(204);
    expect(await (await fetch(`${catcher.httpUrl}/messages`)).json()).toEqual([]);
    expect(catcher.messages()).toEqual([]);
  });

  it('rejects waitFor with what it caught when the condition is not met in time', async () => {
    await sendOne('Only this one');
    await expect(catcher.waitFor((m) => m.length === 2, 300)).rejects.toThrow(/1 message\(s\) caught.*Only this one/);
  });
});

describe('a local redis-server', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-redis-test-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts on a free port with an append-only file in its data directory, answers PING and stops', async () => {
    const port = await freePort();
    const redis = await startRedis({ dataDir: path.join(dir, 'data'), logDir: dir, port });
    try {
      expect(redis.url).toBe(`redis://127.0.0.1:${port}`);
      const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await client.connect();
      try {
        expect(await client.ping()).toBe('PONG');
        expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      } finally {
        await client.quit();
      }
      expect(fs.existsSync(path.join(dir, 'data', 'appendonlydir'))).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'redis.log'), 'utf8')).toContain('Ready to accept connections');
    } finally {
      await redis.stop();
    }
    expect(() => process.kill(redis.pid, 0)).toThrow();
    await expect(waitForPort('127.0.0.1', port, 300)).rejects.toThrow(/timed out/);
  });
});
