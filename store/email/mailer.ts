/**
 * SMTP plumbing for the send activity (docs/ARCHITECTURE.md §9):
 *
 * - one pooled nodemailer transport per process, from SMTP_URL;
 * - a send-rate limit shared by every worker (Redis), which DEFERS a send instead of failing it;
 * - deterministic Message-IDs, `<leadId.step@domain-of-MAIL_FROM>`, reversible so an inbound reply's
 *   In-Reply-To leads back to its lead and step;
 * - a "commit gate" on the message stream: the end of the message (after which the server sends the
 *   terminating "." and may accept the mail) is released only after an async callback succeeded.
 *   The send activity uses it to write a durable "committing" marker first; see send-email.activity.ts.
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import nodemailer, { type SendMailOptions, type SentMessageInfo, type Transporter } from 'nodemailer';
import type Redis from 'ioredis';
import { redisScript, runScript } from '../redis-scripts';

// ---------------------------------------------------------------------------------------------
// Transport

export interface TransportOptions {
  /** pooled SMTP connections per process (default 3) */
  maxConnections?: number;
}

/**
 * A pooled SMTP transport for `smtpUrl` (`smtp://user:pass@host:port`, `smtps://…`; query options
 * such as `?ignoreTLS=true` are honoured). Timeouts are short, so a hung server fails a send (and
 * Temporal retries it) well within the send lock's lifetime.
 */
export function createMailTransport(smtpUrl: string, opts: TransportOptions = {}): Transporter {
  const transport = nodemailer.createTransport({
    pool: true,
    url: smtpUrl,
    maxConnections: opts.maxConnections ?? 3,
    maxMessages: 100,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  installCommitGate(transport);
  return transport;
}

// ---------------------------------------------------------------------------------------------
// Message-IDs

/** The domain of MAIL_FROM (`dealflow <no-reply@dealflow.local>` → `dealflow.local`); `dealflow.local` if none. */
export function mailDomain(mailFrom: string): string {
  const m = /@([A-Za-z0-9.-]+)\s*>?\s*$/.exec(mailFrom.trim());
  const domain = m?.[1]?.replace(/^\.+|\.+$/g, '').toLowerCase();
  return domain ? domain : 'dealflow.local';
}

/** Escapes everything but `[A-Za-z0-9_-]` as `=XX` (UTF-8 bytes): valid in a Message-ID, and reversible. */
function encodePart(value: string): string {
  return Array.from(Buffer.from(value, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9_-]/.test(c) ? c : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

function decodePart(value: string): string | null {
  if (!/^(?:[A-Za-z0-9_-]|=[0-9A-F]{2})+$/.test(value)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '=') {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(value.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The deterministic Message-ID of a lead's email step: `<enc(leadId).enc(step)@domain>`, e.g.
 * `<lead-42.3=3Aapproach=3A2@dealflow.local>` for lead-42, step 3:approach:2. The same (lead, step)
 * always gets the same id, so a resend is recognisably the same message.
 */
export function messageIdFor(leadId: string, step: string, domain: string): string {
  return `<${encodePart(leadId)}.${encodePart(step)}@${domain}>`;
}

/** The lead and step a Message-ID (or an In-Reply-To / References value holding one) was made for; null if not ours. */
export function parseMessageId(value: string, domain?: string): { leadId: string; step: string } | null {
  for (const m of value.matchAll(/<([^<>@\s]+)@([^<>\s]+)>/g)) {
    if (domain && m[2].toLowerCase() !== domain.toLowerCase()) continue;
    const [left, ...rest] = m[1].split('.');
    if (rest.length !== 1) continue;
    const leadId = decodePart(left);
    const step = decodePart(rest[0]);
    if (leadId && step) return { leadId, step };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Rate limit

/**
 * GCRA ("virtual scheduling") over Redis: sends are spaced 1/rate apart, so no one-second window
 * ever holds more than `rate` sends, across every worker. A caller reserves the next free slot and
 * sleeps until it; reservations are made at most `maxAheadMs` ahead (a caller further back in the
 * queue polls instead), so an attempt that is cancelled or times out wastes little capacity. The
 * clock is Redis's (TIME), so workers' clocks need not agree.
 *
 * KEYS[1] slot key; ARGV[1] interval µs; ARGV[2] max reservation ahead µs. Returns {reserved, waitMs}.
 */
const RESERVE_SLOT = redisScript(
  'df_mailer_RESERVE_SLOT',
  1,
  `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
if not (interval and interval > 0 and tonumber(ARGV[2]) and tonumber(ARGV[2]) >= 0) then
  return redis.error_reply('INVALID send rate: interval > 0 and max ahead >= 0 (µs) are required')
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then tat = now end
local wait = tat - now
if wait > tonumber(ARGV[2]) then return {0, math.floor(wait / 1000)} end
redis.call('SET', KEYS[1], string.format('%.0f', tat + interval), 'PX', math.floor((wait + interval) / 1000) + 1000)
return {1, math.floor(wait / 1000)}
`,
);

export interface RateWaitHooks {
  /** stops waiting (rejects with the signal's reason) */
  signal?: AbortSignal;
  /** called about once a second while waiting (e.g. an activity heartbeat) */
  onWait?: (waitedMs: number) => void;
}

export class SendRateLimiter {
  private readonly intervalUs: number;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    ratePerSecond: number,
    private readonly maxAheadMs = 5_000,
  ) {
    if (!(ratePerSecond > 0)) throw new TypeError('the send rate must be positive');
    this.intervalUs = Math.ceil(1_000_000 / ratePerSecond);
  }

  /** Resolves when this caller may send, with how long it waited (ms). Never fails for rate. */
  async acquire(hooks: RateWaitHooks = {}): Promise<number> {
    const started = Date.now();
    for (;;) {
      hooks.signal?.throwIfAborted();
      const [reserved, waitMs] = (await runScript(
        this.redis,
        RESERVE_SLOT,
        this.key,
        this.intervalUs,
        this.maxAheadMs * 1000,
      )) as [number, number];
      if (reserved === 1) {
        await this.pause(waitMs, started, hooks);
        return Date.now() - started;
      }
      // further back than maxAheadMs: come back when our turn is nearer
      await this.pause(Math.min(Math.max(waitMs - this.maxAheadMs, 50), 1_000), started, hooks);
    }
  }

  private async pause(ms: number, started: number, hooks: RateWaitHooks): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(left, 1_000);
      await sleep(step, undefined, hooks.signal ? { signal: hooks.signal } : undefined);
      left -= step;
      hooks.onWait?.(Date.now() - started);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Commit gate

/** The mail option the gate plugin looks for: called before the end of the message is released. */
const BEFORE_COMMIT = 'dealflowBeforeCommit';
type BeforeCommit = () => Promise<void>;

const gated = new WeakSet<object>();

/**
 * Holds back the end of `input` until `beforeEnd` resolved. The SMTP client writes the terminating
 * "<CRLF>.<CRLF>" only when the message stream ends, and a server accepts a message only after that
 * dot; so nothing can have been accepted before `beforeEnd` succeeded, and if it fails the stream
 * errors, the client drops the connection and the server discards the partial message. The stream
 * is read lazily: it starts only once the server has taken MAIL FROM, RCPT TO and DATA.
 */
function commitGate(input: Readable, beforeEnd: BeforeCommit): Readable {
  async function* gatedChunks() {
    for await (const chunk of input) yield chunk as Buffer;
    await beforeEnd();
  }
  return Readable.from(gatedChunks(), { objectMode: false });
}

/** Installs (once) the nodemailer plugin that gates messages sent with a BEFORE_COMMIT option. */
function installCommitGate(transport: Transporter): void {
  if (gated.has(transport)) return;
  gated.add(transport);
  transport.use('stream', (mail, done) => {
    const hook = (mail.data as Record<string, unknown>)[BEFORE_COMMIT];
    if (typeof hook === 'function') mail.message.processFunc((input) => commitGate(input, hook as BeforeCommit));
    done();
  });
}

/**
 * Sends one message; `beforeCommit` runs after the server took the envelope and the message body,
 * right before the end of the message is released (see commitGate). If it throws, nothing is sent.
 */
export async function sendGated(
  transport: Transporter,
  mail: SendMailOptions,
  beforeCommit: BeforeCommit,
  signal?: AbortSignal,
): Promise<SentMessageInfo> {
  installCommitGate(transport);
  const options: SendMailOptions & Record<string, unknown> = { ...mail, [BEFORE_COMMIT]: beforeCommit };
  if (signal) options.signal = signal;
  return transport.sendMail(options);
}
