/**
 * The send activity against a real Redis and a real SMTP server (the dev mail catcher).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import type { Transporter } from 'nodemailer';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { startMailCatcher, startRedis, type MailCatcher, type ManagedService } from '../../../devstack/services';
import { createMailTransport, mailDomain, messageIdFor, parseMessageId, sendGated } from '../../../store/email/mailer';
import {
  createEmailActivities,
  EmailSendInProgressError,
  type EmailDeps,
  type SendEmailRequest,
} from '../../../activities/email/send-email.activity';
import { SuppressionList } from '../../../store/email/suppression';
import { verifyToken } from '../../../store/email/tokens';

const PREFIX = 'test:';
const CONFIG: EmailDeps['config'] = {
  SMTP_URL: 'smtp://unused',
  SMTP_RATE_PER_SECOND: 100,
  MAIL_FROM: 'dealflow <no-reply@dealflow.test>',
  PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
  SIGNING_SECRET: 'test-signing-secret-0123456789',
};
const log = pino({ level: 'silent' });

function request(overrides: Partial<SendEmailRequest> = {}): SendEmailRequest {
  return {
    leadId: 'lead-1',
    step: '1:approach:1',
    template: 'approach_intro',
    locale: 'en',
    to: 'ada@example.test',
    lead: { name: 'Ada Lovelace', company: 'Analytical Engines', email: 'ada@example.test' },
    owner: { name: 'Alice Rep', email: 'alice@dealflow.test' },
    ...overrides,
  };
}

describe('the send-email activity', () => {
  let dir: string;
  let redisService: ManagedService;
  let redis: Redis;
  let catcher: MailCatcher;
  let transport: Transporter;
  let sendEmail: ReturnType<typeof createEmailActivities>['sendEmail'];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-email-'));
    redisService = await startRedis({ dataDir: path.join(dir, 'redis'), logDir: dir });
    redis = new Redis(redisService.url, { maxRetriesPerRequest: 1 });
    catcher = await startMailCatcher({});
    transport = createMailTransport(catcher.smtpUrl);
    ({ sendEmail } = createEmailActivities({ redis, prefix: PREFIX, config: CONFIG, log, transport }));
  });

  afterAll(async () => {
    transport?.close();
    redis?.disconnect();
    await catcher?.stop();
    await redisService?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await redis.flushdb();
    catcher.clear();
  });

  it('delivers a message with a deterministic Message-ID, one-click unsubscribe headers and both parts', async () => {
    const result = await sendEmail(request());

    expect(result).toMatchObject({ status: 'sent', messageId: '<lead-1.1=3Aapproach=3A1@dealflow.test>' });
    const [message] = catcher.messages();
    expect(catcher.messages()).toHaveLength(1);
    expect(message.messageId).toBe(result.messageId);
    expect(message.envelope.to).toEqual(['ada@example.test']);
    expect(message.subject).toBe('Analytical Engines: a quick idea from Alice Rep');
    expect(message.text).toContain('Hi Ada Lovelace,');
    expect(message.html).toContain('<p style="margin:0 0 16px;">Hi Ada Lovelace,</p>');
    expect(message.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(message.headers['x-dealflow-lead']).toBe('lead-1');
    expect(message.headers['x-dealflow-step']).toBe('1:approach:1');
    expect(message.headers['content-language']).toBeUndefined();

    const unsubscribe = /^<(http:\/\/127\.0\.0\.1:3000\/u\/([^>]+))>$/.exec(message.headers['list-unsubscribe']);
    expect(unsubscribe).not.toBeNull();
    expect(verifyToken(CONFIG.SIGNING_SECRET, unsubscribe![2], 'u')).toMatchObject({
      p: 'u',
      l: 'lead-1',
      e: 'ada@example.test',
    });
    expect(message.html).toContain(`href="${unsubscribe![1]}"`);
    expect(message.text).toContain(unsubscribe![1]);

    const record = JSON.parse((await redis.get(`${PREFIX}email:sent:lead-1:1:approach:1`)) ?? '{}');
    expect(record).toMatchObject({ state: 'sent', messageId: result.messageId });
    expect(await redis.ttl(`${PREFIX}email:sent:lead-1:1:approach:1`)).toBeGreaterThan(300 * 24 * 3600);
    expect(await redis.exists(`${PREFIX}email:sent:lead-1:1:approach:1:lock`)).toBe(0);
  });

  it('sends a step once when it is called three times in a row', async () => {
    const first = await sendEmail(request());
    const second = await sendEmail(request());
    const third = await sendEmail(request());

    expect(first.status).toBe('sent');
    expect(second).toEqual({
      status: 'already_sent',
      messageId: first.messageId,
      sentAt: (first as { sentAt: string }).sentAt,
    });
    expect(third).toEqual(second);
    expect(catcher.messages()).toHaveLength(1);
  });

  it('sends a step once when three attempts race', async () => {
    const outcomes = await Promise.allSettled([sendEmail(request()), sendEmail(request()), sendEmail(request())]);

    expect(catcher.messages()).toHaveLength(1);
    const results = outcomes
      .filter((o) => o.status === 'fulfilled')
      .map((o) => (o as PromiseFulfilledResult<{ status: string }>).value.status);
    const errors = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason);
    expect(results.filter((s) => s === 'sent')).toHaveLength(1);
    expect(results.every((s) => s === 'sent' || s === 'already_sent')).toBe(true);
    // a loser that found the lock taken fails retryably; its retry sees the outcome
    for (const err of errors) expect(err).toBeInstanceOf(EmailSendInProgressError);
    expect((await sendEmail(request())).status).toBe('already_sent');
    expect(catcher.messages()).toHaveLength(1);
  });

  it('sends different steps of a lead separately', async () => {
    await sendEmail(request({ step: '1:approach:1' }));
    await sendEmail(request({ step: '1:approach:2', template: 'approach_followup_1' }));
    expect(catcher.messages().map((m) => m.messageId)).toEqual([
      '<lead-1.1=3Aapproach=3A1@dealflow.test>',
      '<lead-1.1=3Aapproach=3A2@dealflow.test>',
    ]);
  });

  it('sends nothing to a suppressed address and says why, every time', async () => {
    const suppression = new SuppressionList(redis, PREFIX);
    await suppression.add('ADA@example.test ', { reason: 'unsubscribed', leadId: 'lead-1' });

    const result = await sendEmail(request());
    expect(result).toEqual({
      status: 'suppressed',
      reason: 'unsubscribed',
      messageId: '<lead-1.1=3Aapproach=3A1@dealflow.test>',
    });
    expect(catcher.messages()).toHaveLength(0);

    // recorded: the step's answer stays the same even if the suppression is lifted later
    await suppression.remove('ada@example.test');
    expect((await sendEmail(request())).status).toBe('suppressed');
    expect(catcher.messages()).toHaveLength(0);
  });

  it('sends internal mail without unsubscribe headers and regardless of suppression', async () => {
    await new SuppressionList(redis, PREFIX).add('alice@dealflow.test', { reason: 'bounced' });
    const result = await sendEmail(
      request({
        template: 'stall_reminder_owner',
        to: 'alice@dealflow.test',
        toName: 'Alice Rep',
        internal: true,
        step: '2:stall:1',
        vars: { stalledFor: '7d', stage: 'approach' },
      }),
    );
    expect(result.status).toBe('sent');
    const [message] = catcher.messages();
    expect(message.envelope.to).toEqual(['alice@dealflow.test']);
    expect(message.headers['list-unsubscribe']).toBeUndefined();
    expect(message.headers['list-unsubscribe-post']).toBeUndefined();
    expect(message.subject).toBe('Stalled: Analytical Engines has had no activity for 7 days');
  });

  it('cannot be made to inject headers or recipients, and escapes lead values in HTML', async () => {
    await sendEmail(
      request({
        to: 'eve@example.test',
        lead: {
          name: 'Eve\r\nBcc: attacker@evil.test',
          company: '<script>alert(1)</script>\r\nBcc: attacker@evil.test',
          email: 'eve@example.test',
        },
      }),
    );

    const [message] = catcher.messages();
    expect(catcher.messages()).toHaveLength(1);
    expect(message.envelope.to).toEqual(['eve@example.test']);
    expect(message.to).toEqual(['eve@example.test']);
    expect(message.headers.bcc).toBeUndefined();
    const headerBlock = message.raw.split(/\r?\n\r?\n/)[0];
    expect(headerBlock).not.toMatch(/^Bcc:/im);
    expect(headerBlock).not.toContain('attacker@evil.test>');
    expect(message.subject).not.toMatch(/[\r\n]/);
    expect(message.html).not.toContain('<script>');
    expect(message.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('sends Persian mail right-to-left with Content-Language: fa', async () => {
    await sendEmail(
      request({
        locale: 'fa',
        template: 'proposal',
        vars: { expiresAt: '2026-04-20T10:00:00Z', timezone: 'Asia/Tehran' },
      }),
    );
    const [message] = catcher.messages();
    expect(message.headers['content-language']).toBe('fa');
    expect(message.html).toContain('<html lang="fa" dir="rtl">');
    expect(message.text).toContain('۱۴۰۵');
    const token = /\/u\/([^>]+)>/.exec(message.headers['list-unsubscribe'])![1];
    expect(verifyToken(CONFIG.SIGNING_SECRET, token, 'u').lc).toBe('fa');
  });

  it('puts a signed survey link in the survey email', async () => {
    await sendEmail(request({ template: 'survey', step: '9:follow_up:survey' }));
    const url = /(http:\/\/127\.0\.0\.1:3000\/s\/[A-Za-z0-9_.-]+)/.exec(catcher.messages()[0].text)![1];
    expect(verifyToken(CONFIG.SIGNING_SECRET, url.split('/s/')[1], 's')).toMatchObject({
      p: 's',
      l: 'lead-1',
      e: 'ada@example.test',
    });
  });

  it('defers sends over the rate limit instead of failing them', async () => {
    const slow = createEmailActivities({
      redis,
      prefix: PREFIX,
      config: { ...CONFIG, SMTP_RATE_PER_SECOND: 2 },
      log,
      transport,
    });
    const started = Date.now();
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => slow.sendEmail(request({ leadId: `lead-${n}` }))));
    const elapsed = Date.now() - started;

    expect(results.map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    expect(catcher.messages()).toHaveLength(5);
    // 2 per second: the fifth send waits for its slot two seconds after the first
    expect(elapsed).toBeGreaterThanOrEqual(1_800);
  });

  it('refuses an unknown template and a bad recipient without retrying', async () => {
    await expect(sendEmail(request({ template: 'nope' }))).rejects.toMatchObject({ name: 'TemplateNotFoundError' });
    await expect(sendEmail(request({ to: 'not an address' }))).rejects.toMatchObject({ name: 'InvalidInputError' });
    await expect(sendEmail(request({ to: 'a@b.test\r\nBcc: c@d.test' }))).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
    expect(catcher.messages()).toHaveLength(0);
  });

  describe('after a crash', () => {
    const key = `${PREFIX}email:sent:lead-1:1:approach:1`;
    const messageId = '<lead-1.1=3Aapproach=3A1@dealflow.test>';

    it('does not send again when the outcome was recorded', async () => {
      await redis.set(key, JSON.stringify({ state: 'sent', messageId, sentAt: '2026-04-10T10:00:00.000Z' }));
      expect(await sendEmail(request())).toEqual({
        status: 'already_sent',
        messageId,
        sentAt: '2026-04-10T10:00:00.000Z',
      });
      expect(catcher.messages()).toHaveLength(0);
    });

    it('does not send again when the message had been released to SMTP (at-most-once)', async () => {
      await redis.set(key, JSON.stringify({ state: 'committing', messageId, at: '2026-04-10T10:00:00.000Z' }));
      expect(await sendEmail(request())).toEqual({
        status: 'already_sent',
        messageId,
        sentAt: '2026-04-10T10:00:00.000Z',
        uncertain: true,
      });
      expect(JSON.parse((await redis.get(key))!)).toMatchObject({ state: 'sent', uncertain: true });
      expect(await sendEmail(request())).toMatchObject({ status: 'already_sent', uncertain: true });
      expect(catcher.messages()).toHaveLength(0);
    });

    it('sends when the earlier attempt died before releasing the message', async () => {
      await redis.set(key, JSON.stringify({ state: 'sending', messageId, at: '2026-04-10T10:00:00.000Z' }));
      expect((await sendEmail(request())).status).toBe('sent');
      expect(catcher.messages()).toHaveLength(1);
    });

    it('waits (retryably) while another attempt holds the send lock', async () => {
      await redis.set(`${key}:lock`, 'someone-else', 'PX', 60_000);
      await expect(sendEmail(request())).rejects.toBeInstanceOf(EmailSendInProgressError);
      expect(catcher.messages()).toHaveLength(0);
      expect(await redis.get(key)).toBeNull();
    });
  });

  describe('when the worker process is SIGKILLed mid-send', () => {
    const REPO = path.resolve(__dirname, '../../..');
    const key = `${PREFIX}email:sent:lead-1:1:approach:1`;

    /**
     * Runs sendEmail in a child process that kills itself with SIGKILL at `killAt`:
     * - before-commit: the body is on the wire, the terminating "." not yet released;
     * - before-record: the SMTP server accepted the message, its `sent` record not yet written;
     * - after-record: the `sent` record written, the activity not yet returned.
     */
    async function sendAndDie(killAt: 'before-commit' | 'before-record' | 'after-record'): Promise<void> {
      const script = path.join(dir, 'send-and-die.ts');
      fs.writeFileSync(
        script,
        `
import Redis from ${JSON.stringify(require.resolve('ioredis'))};
import pino from ${JSON.stringify(require.resolve('pino'))};
import { createEmailActivities } from ${JSON.stringify(path.join(REPO, 'activities/email/send-email.activity'))};
import { createMailTransport } from ${JSON.stringify(path.join(REPO, 'store/email/mailer'))};
const [redisUrl, smtpUrl, killAt, config, req] = process.argv.slice(2);
const redis: any = new Redis(redisUrl);
const die = () => process.kill(process.pid, 'SIGKILL');
const set = redis.set.bind(redis);
redis.set = async (...args: any[]) => {
  const isSent = String(args[1]).includes('"state":"sent"');
  if (isSent && killAt === 'before-record') die();
  const out = await set(...args);
  if (isSent && killAt === 'after-record') die();
  return out;
};
// the scripts are named commands (store/redis-scripts.ts): die when the commit script is called
const define = redis.defineCommand.bind(redis);
redis.defineCommand = (name: string, def: { lua: string; numberOfKeys: number }) => {
  define(name, def);
  if (killAt === 'before-commit' && def.lua.includes("'EX', tonumber(ARGV[3])")) {
    const run = redis[name].bind(redis);
    redis[name] = async (...args: any[]) => {
      die();
      return run(...args);
    };
  }
};
const { sendEmail } = createEmailActivities({ redis, prefix: ${JSON.stringify(PREFIX)}, config: JSON.parse(config), log: pino({ level: 'silent' }), transport: createMailTransport(smtpUrl) });
sendEmail(JSON.parse(req)).then(() => process.exit(0), () => process.exit(1));
`,
      );
      // one process (no tsx wrapper in between), so the SIGKILL is the exit we observe
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          script,
          redisService.url,
          catcher.smtpUrl,
          killAt,
          JSON.stringify(CONFIG),
          JSON.stringify(request()),
        ],
        {
          cwd: REPO,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, sig) => resolve(sig)),
      );
      if (signal !== 'SIGKILL') throw new Error(`the sending process was not killed (${signal}): ${stderr}`);
    }

    it('sends once when killed after the SMTP server accepted and the outcome was recorded', async () => {
      await sendAndDie('after-record');
      expect(catcher.messages()).toHaveLength(1);
      const retry = await sendEmail(request());
      expect(retry).toMatchObject({ status: 'already_sent', messageId: catcher.messages()[0].messageId });
      expect(retry).not.toHaveProperty('uncertain');
      expect(catcher.messages()).toHaveLength(1);
    });

    it('sends once when killed after the SMTP server accepted and before the outcome was recorded', async () => {
      await sendAndDie('before-record');
      expect(catcher.messages()).toHaveLength(1);
      await redis.del(`${key}:lock`); // the dead attempt's lock, as if its 60 s had passed
      expect(await sendEmail(request())).toMatchObject({ status: 'already_sent', uncertain: true });
      expect(catcher.messages()).toHaveLength(1);
    });

    it('sends once when killed before the end of the message was released', async () => {
      await sendAndDie('before-commit');
      await new Promise((r) => setTimeout(r, 200));
      expect(catcher.messages()).toHaveLength(0);
      // until the dead attempt's lock expires a retry is told to come back; then it sends
      await expect(sendEmail(request())).rejects.toBeInstanceOf(EmailSendInProgressError);
      await redis.del(`${key}:lock`);
      expect((await sendEmail(request())).status).toBe('sent');
      expect(catcher.messages()).toHaveLength(1);
    });
  });

  describe('when the SMTP server refuses', () => {
    let server: SMTPServer;
    let refusing: Transporter;
    let port: number;

    beforeAll(async () => {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onRcptTo(address, _session, callback) {
          if (address.address.startsWith('gone'))
            callback(Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 }));
          else if (address.address.startsWith('busy'))
            callback(Object.assign(new Error('4.2.1 try later'), { responseCode: 451 }));
          else callback();
        },
        onData(stream, _session, callback) {
          stream.resume();
          stream.on('end', () => callback());
        },
      });
      port = await new Promise<number>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve((server.server.address() as { port: number }).port)),
      );
      refusing = createMailTransport(`smtp://127.0.0.1:${port}`);
    });

    afterAll(async () => {
      refusing?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('suppresses a recipient the server refuses permanently, as bounced', async () => {
      const { sendEmail: send } = createEmailActivities({
        redis,
        prefix: PREFIX,
        config: CONFIG,
        log,
        transport: refusing,
      });
      const result = await send(request({ to: 'gone@example.test' }));
      expect(result).toMatchObject({ status: 'suppressed', reason: 'bounced' });
      expect(await new SuppressionList(redis, PREFIX).get('gone@example.test')).toMatchObject({
        reason: 'bounced',
        leadId: 'lead-1',
      });
      expect(await send(request({ to: 'gone@example.test' }))).toMatchObject({
        status: 'suppressed',
        reason: 'bounced',
      });
    });

    it('fails retryably on a temporary refusal, leaving the step free to send', async () => {
      const { sendEmail: send } = createEmailActivities({
        redis,
        prefix: PREFIX,
        config: CONFIG,
        log,
        transport: refusing,
      });
      await expect(send(request({ to: 'busy@example.test' }))).rejects.toMatchObject({ responseCode: 451 });
      expect(await redis.get(`${PREFIX}email:sent:lead-1:1:approach:1`)).toBeNull();
      expect(await redis.exists(`${PREFIX}email:sent:lead-1:1:approach:1:lock`)).toBe(0);
    });
  });
});

describe('the mailer', () => {
  let catcher: MailCatcher;
  let transport: Transporter;

  beforeAll(async () => {
    catcher = await startMailCatcher({});
    transport = createMailTransport(catcher.smtpUrl);
  });
  afterAll(async () => {
    transport?.close();
    await catcher?.stop();
  });

  const mail = { from: 'dealflow <no-reply@dealflow.test>', to: 'ada@example.test', subject: 'gated', text: 'hello' };

  it('releases the end of the message only after the commit callback, and sends nothing when it fails', async () => {
    const seen: number[] = [];
    await sendGated(transport, mail, async () => {
      seen.push(catcher.messages().length);
      await new Promise((r) => setTimeout(r, 200));
      seen.push(catcher.messages().length);
    });
    expect(seen).toEqual([0, 0]);
    expect(catcher.messages()).toHaveLength(1);

    await expect(
      sendGated(transport, { ...mail, subject: 'refused' }, async () => {
        throw new Error('lost the lock');
      }),
    ).rejects.toThrow('lost the lock');
    await new Promise((r) => setTimeout(r, 200));
    expect(catcher.messages().map((m) => m.subject)).toEqual(['gated']);
  });

  it('makes reversible Message-IDs in the domain of MAIL_FROM', () => {
    expect(mailDomain('dealflow <no-reply@Dealflow.Test>')).toBe('dealflow.test');
    expect(mailDomain('no-reply@mail.example.com')).toBe('mail.example.com');
    const id = messageIdFor('e-1a2b:x.y', '3:approach:2', 'dealflow.test');
    expect(id).toMatch(/^<[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+@dealflow\.test>$/);
    expect(parseMessageId(id, 'dealflow.test')).toEqual({ leadId: 'e-1a2b:x.y', step: '3:approach:2' });
    expect(parseMessageId(`<other@x.test> ${id}`)).toEqual({ leadId: 'e-1a2b:x.y', step: '3:approach:2' });
    expect(parseMessageId(id, 'elsewhere.test')).toBeNull();
    expect(parseMessageId('<CAF=abc@mail.gmail.com>')).toBeNull();
  });
});
