/**
 * Longer than our ~400-line guide on purpose: the exactly-once reasoning (claim, send, record) reads in one place.
 *
 * The send-email activity (docs/ARCHITECTURE.md §9): renders a template, checks suppression, waits for a send slot,
 * and sends over SMTP exactly once per (lead, email step) — under Temporal retries, concurrent
 * attempts, worker crashes and workflow replays.
 *
 * ## Idempotency protocol
 *
 * One record per step, `<prefix>email:sent:<leadId>:<step>` (JSON, kept 400 days), moving through
 *   (none) → sending → committing → sent          or  → suppressed
 * and a lock `<…>:lock` (SET NX PX 60000, random token, released by compare-and-delete).
 *
 *  a. `sent` → return `already_sent` with the recorded Message-ID; no SMTP.
 *     `suppressed` → return the recorded `suppressed` result.
 *  b. Suppression list (lead mail only) → record `suppressed` (SET NX) and return it; no exception,
 *     so the workflow can record why.
 *  c. Wait for a send slot (shared rate limit; deferred, never failed), then take the lock. Not
 *     acquired → throw EmailSendInProgressError (retryable): another attempt is sending right now.
 *     Under the lock, read the record again (an attempt that held it may just have finished).
 *  d. Write `sending` (informational: a later attempt that finds it, without the lock, knows the
 *     previous one died before the point of no return and simply sends), then send over SMTP with
 *     the deterministic Message-ID through the commit gate (mailer.ts): after the server has taken
 *     the envelope and the body, and BEFORE the terminating "." is released, the record becomes
 *     `committing` — written only if we still hold the lock (Lua), else the send is aborted.
 *  e. On the server's 250: record `sent` at once (before anything else, before returning), then
 *     release the lock.
 *
 * What a crash (SIGKILL) at any moment leads to, on the next attempt:
 *  - before `committing` was written: the server never received the end of the message, so it
 *    cannot have accepted it → the next attempt sends (same Message-ID). Nothing lost, nothing doubled.
 *  - after `sent` was written (this includes "SMTP accepted, activity did not return / Temporal did
 *    not record completion"): → `already_sent`, no SMTP.
 *  - in the narrow window between `committing` and `sent` (the "." and the server's 250 in flight,
 *    one SMTP round trip plus one Redis write): we cannot know whether the server accepted it. We
 *    choose AT-MOST-ONCE, as docs/ARCHITECTURE.md §9 puts "no duplicate email" first: the next attempt returns
 *    `already_sent` with `uncertain: true` (and logs a warning) and never sends again. The
 *    alternative, at-least-once (resend with the same Message-ID, which receivers that dedupe by
 *    Message-ID would collapse), would risk a visible duplicate in exactly this window.
 *  - an SMTP error after `committing`: with a reply code the server refused the message after the
 *    "." (definitely not accepted) → the marker is removed and the send may be retried; without one
 *    (connection lost or timed out after the ".") → treated like the crash window above.
 *
 * So: exactly one message per step reaches the SMTP server, except that a crash or connection loss
 * inside that one-round-trip window yields at most one (never two).
 */
import crypto from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type Redis from 'ioredis';
import type { SendMailOptions, Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../../config/env';
import { InvalidInputError, TemplateNotFoundError } from '../../store/errors';
import { createMailTransport, mailDomain, messageIdFor, SendRateLimiter, sendGated } from '../../store/email/mailer';
import { workerCounter } from '../metrics/facts.activities';
import { normaliseEmail } from '../../store/enrichment/normalise';
import { SuppressionList } from '../../store/email/suppression';
import {
  headerSafe,
  INTERNAL_TEMPLATE_KINDS,
  renderTemplate,
  type DigestTask,
  type TemplateKind,
  hasTemplate,
} from '../../store/email/templates';
import { signToken, type TokenPayload } from '../../store/email/tokens';
import { redisScript, runScript } from '../../store/redis-scripts';

export interface SendEmailRequest {
  leadId: string;
  /** the email step, e.g. "3:approach:2"; with leadId, the idempotency key */
  step: string;
  template: string;
  locale: 'en' | 'fa';
  to: string;
  toName?: string;
  lead: { name?: string; company?: string; email: string };
  owner: { name: string; email: string };
  /**
   * Template extras (see TemplateContext.vars): expiresAt, objectionCategory, timezone, surveyUrl,
   * meetingAt, amount, currency, stage, stalledFor, managerName, leadUrl, taskCount, and for
   * task_digest `tasks` as a JSON array of { title, dueAt?, priority?, leadId? }.
   */
  vars?: Record<string, string | number | null>;
  /** true for internal mail to reps/managers: no unsubscribe, no suppression */
  internal?: boolean;
}

export type SendEmailResult =
  | {
      status: 'sent' | 'already_sent';
      messageId: string;
      sentAt: string;
      /** set when an earlier attempt died after releasing the message and before its outcome was known (at-most-once) */
      uncertain?: true;
    }
  | { status: 'suppressed'; reason: string; messageId: string };

/** Another attempt holds the send lock for this step. Retryable: the retry sees its outcome. */
export class EmailSendInProgressError extends Error {
  override name = 'EmailSendInProgressError';
}

export interface EmailDeps {
  redis: Redis;
  prefix: string;
  config: Pick<Config, 'SMTP_URL' | 'SMTP_RATE_PER_SECOND' | 'MAIL_FROM' | 'PUBLIC_BASE_URL' | 'SIGNING_SECRET'>;
  log: Logger;
  /** a transport to use (tests; or the worker, to close it at shutdown); else one pooled transport is created from SMTP_URL */
  transport?: Transporter;
}

type SendRecord =
  | { state: 'sending'; messageId: string; at: string }
  | { state: 'committing'; messageId: string; at: string }
  | { state: 'sent'; messageId: string; sentAt: string; template?: string; uncertain?: boolean }
  | { state: 'suppressed'; messageId: string; reason: string; at: string };

const RECORD_TTL_SECONDS = 400 * 24 * 60 * 60;
const LOCK_TTL_MS = 60_000;
const SURVEY_LINK_TTL_MS = 60 * 24 * 60 * 60 * 1000;
const ADDRESS = /^[^\s@<>()[\],;:\\"]{1,64}@[^\s@<>()[\],;:\\"]{1,253}$/;

/** KEYS: record, lock; ARGV: token, json, ttl → 1 if written (we hold the lock), else 0. */
const WRITE_IF_LOCKED = redisScript(
  'df_send_email_activity_WRITE_IF_LOCKED',
  2,
  `
if ARGV[1] == '' or ARGV[2] == '' or not string.find(ARGV[3], '^[1-9]%d*$') then
  return redis.error_reply('INVALID send record: token, record and a ttl in seconds are required')
end
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3]))
  return 1
end
return 0`,
);
/** KEYS: record, lock; ARGV: token → deletes the record if we hold the lock. */
const DELETE_IF_LOCKED = redisScript(
  'df_send_email_activity_DELETE_IF_LOCKED',
  2,
  `
if ARGV[1] == '' then return redis.error_reply('INVALID lock token') end
if redis.call('GET', KEYS[2]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
);
/** KEYS: lock; ARGV: token */
const RELEASE_LOCK = redisScript(
  'df_send_email_activity_RELEASE_LOCK',
  1,
  `
if ARGV[1] == '' then return redis.error_reply('INVALID lock token') end
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
);

/** The activity's cancellation signal and heartbeat when running as a Temporal activity; nothing otherwise. */
function activityContext(): { signal?: AbortSignal; heartbeat: () => void } {
  try {
    const ctx = Context.current();
    return { signal: ctx.cancellationSignal, heartbeat: () => ctx.heartbeat() };
  } catch {
    return { heartbeat: () => undefined };
  }
}

function parseTasks(raw: string | number | null | undefined): DigestTask[] | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  try {
    const list = JSON.parse(raw) as unknown;
    if (!Array.isArray(list)) return undefined;
    return list
      .filter(
        (t): t is Record<string, unknown> =>
          typeof t === 'object' && t !== null && typeof (t as { title?: unknown }).title === 'string',
      )
      .map((t) => ({
        title: String(t.title),
        ...(typeof t.dueAt === 'string' ? { dueAt: t.dueAt } : {}),
        ...(typeof t.priority === 'string' ? { priority: t.priority } : {}),
        ...(typeof t.leadId === 'string' ? { leadId: t.leadId } : {}),
      }));
  } catch {
    return undefined;
  }
}

function smtpCode(err: unknown): number | undefined {
  const code = (err as { responseCode?: unknown })?.responseCode;
  return typeof code === 'number' ? code : undefined;
}

/** Mail to reps and managers: flagged by the caller, or one of the internal kinds. No unsubscribe, no suppression. */
function isInternal(req: SendEmailRequest): boolean {
  return req.internal === true || INTERNAL_TEMPLATE_KINDS.includes(req.template as TemplateKind);
}

function validate(req: SendEmailRequest): void {
  const problems: string[] = [];
  if (typeof req?.leadId !== 'string' || req.leadId.trim() === '') problems.push('leadId is required');
  if (typeof req?.step !== 'string' || req.step.trim() === '') problems.push('step is required');
  if (typeof req?.to !== 'string' || !ADDRESS.test(req.to.trim())) problems.push(`to is not an email address`);
  if (typeof req?.owner?.name !== 'string') problems.push('owner.name is required');
  if (typeof req?.lead?.email !== 'string') problems.push('lead.email is required');
  if (req?.locale !== 'en' && req?.locale !== 'fa') problems.push('locale must be "en" or "fa"');
  if (problems.length > 0) throw new InvalidInputError(`invalid email request: ${problems.join('; ')}`);
  if (!hasTemplate(req.template)) throw new TemplateNotFoundError(`no email template "${req.template}"`);
}

export function createEmailActivities(deps: EmailDeps) {
  const { redis, prefix, config, log } = deps;
  const transport = deps.transport ?? createMailTransport(config.SMTP_URL);
  const domain = mailDomain(config.MAIL_FROM);
  const limiter = new SendRateLimiter(redis, `${prefix}email:rate`, config.SMTP_RATE_PER_SECOND);
  const suppression = new SuppressionList(redis, prefix);
  const baseUrl = config.PUBLIC_BASE_URL.replace(/\/+$/, '');

  const link = (payload: TokenPayload) => `${baseUrl}/${payload.p}/${signToken(config.SIGNING_SECRET, payload)}`;

  async function readRecord(key: string): Promise<SendRecord | null> {
    const raw = await redis.get(key);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as SendRecord;
    } catch {
      log.error({ key }, 'unreadable email idempotency record; treating the step as sent');
      return { state: 'sent', messageId: '', sentAt: new Date(0).toISOString(), uncertain: true };
    }
  }

  const writeRecord = (key: string, rec: SendRecord) => redis.set(key, JSON.stringify(rec), 'EX', RECORD_TTL_SECONDS);

  /** The at-most-once answer for a step whose message was released but whose outcome was never recorded. */
  async function settleUncertain(
    key: string,
    rec: Extract<SendRecord, { state: 'committing' }>,
    req: SendEmailRequest,
  ): Promise<SendEmailResult> {
    log.warn(
      { leadId: req.leadId, step: req.step, messageId: rec.messageId },
      'an earlier attempt released this message to SMTP and stopped before the outcome was recorded; not sending again (at-most-once)',
    );
    await writeRecord(key, {
      state: 'sent',
      messageId: rec.messageId,
      sentAt: rec.at,
      template: req.template,
      uncertain: true,
    });
    return { status: 'already_sent', messageId: rec.messageId, sentAt: rec.at, uncertain: true };
  }

  /** Answers from the record when it settles the step; null when the step still has to be sent. */
  function settled(rec: SendRecord | null): SendEmailResult | null {
    if (rec?.state === 'sent') {
      return {
        status: 'already_sent',
        messageId: rec.messageId,
        sentAt: rec.sentAt,
        ...(rec.uncertain ? { uncertain: true as const } : {}),
      };
    }
    if (rec?.state === 'suppressed') return { status: 'suppressed', reason: rec.reason, messageId: rec.messageId };
    return null;
  }

  async function recordSuppressed(key: string, messageId: string, reason: string): Promise<SendEmailResult> {
    const rec: SendRecord = { state: 'suppressed', messageId, reason, at: new Date().toISOString() };
    await redis.set(key, JSON.stringify(rec), 'EX', RECORD_TTL_SECONDS, 'NX');
    return { status: 'suppressed', reason, messageId };
  }

  function compose(req: SendEmailRequest, messageId: string): SendMailOptions {
    const to = req.to.trim();
    const vars = req.vars ?? {};
    const internal = isInternal(req);
    const unsubscribeUrl = internal
      ? undefined
      : link({ p: 'u', l: req.leadId, e: normaliseEmail(to), ...(req.locale === 'fa' ? { lc: 'fa' as const } : {}) });
    const wantsSurvey = req.template === 'survey' || req.template === 'survey_reminder';
    const surveyUrl =
      typeof vars.surveyUrl === 'string' && vars.surveyUrl
        ? vars.surveyUrl
        : wantsSurvey
          ? link({
              p: 's',
              l: req.leadId,
              e: normaliseEmail(to),
              x: Date.now() + SURVEY_LINK_TTL_MS,
              ...(req.locale === 'fa' ? { lc: 'fa' as const } : {}),
            })
          : undefined;
    const rendered = renderTemplate(req.template, req.locale, {
      lead: req.lead,
      owner: req.owner,
      unsubscribeUrl,
      surveyUrl,
      expiresAt: typeof vars.expiresAt === 'string' ? vars.expiresAt : undefined,
      objectionCategory: typeof vars.objectionCategory === 'string' ? vars.objectionCategory : undefined,
      step: req.step,
      timezone: typeof vars.timezone === 'string' ? vars.timezone : undefined,
      tasks: parseTasks(vars.tasks),
      vars,
    });
    const name = headerSafe(req.toName ?? (internal ? '' : (req.lead.name ?? '')), 120);
    const headers: NonNullable<SendMailOptions['headers']> = {
      'X-Dealflow-Lead': headerSafe(req.leadId, 200),
      'X-Dealflow-Step': headerSafe(req.step, 200),
    };
    if (unsubscribeUrl) {
      // RFC 8058 one-click: an https/http URI the mail provider POSTs `List-Unsubscribe=One-Click` to
      headers['List-Unsubscribe'] = { prepared: true, value: `<${unsubscribeUrl}>` };
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    }
    if (internal) headers['Auto-Submitted'] = 'auto-generated';
    if (req.locale === 'fa') headers['Content-Language'] = 'fa';
    return {
      from: config.MAIL_FROM,
      // an address object: nodemailer quotes/encodes the name; it is never concatenated into the header
      to: name ? { name, address: to } : to,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId,
      headers,
    };
  }

  return {
    /** Sends one email step at most once (see the protocol above). */
    async sendEmail(req: SendEmailRequest): Promise<SendEmailResult> {
      validate(req);
      const key = `${prefix}email:sent:${req.leadId}:${req.step}`;
      const lockKey = `${key}:lock`;
      const messageId = messageIdFor(req.leadId, req.step, domain);
      const internal = isInternal(req);
      const where = { leadId: req.leadId, step: req.step, template: req.template, messageId };

      // (a) the step's outcome is known
      const before = await readRecord(key);
      const done = settled(before);
      if (done) {
        log.info({ ...where, status: done.status }, 'email step already settled; not sending');
        return done;
      }
      if (before?.state === 'committing') {
        if (await redis.exists(lockKey))
          throw new EmailSendInProgressError(
            `email ${req.step} of lead ${req.leadId} is being sent by another attempt`,
          );
        return settleUncertain(key, before, req);
      }
      if (before?.state === 'sending')
        log.info(where, 'an earlier attempt began this step without releasing the message; it may be sent');

      // (b) suppression: lead mail only
      if (!internal) {
        const entry = await suppression.get(req.to);
        if (entry) {
          log.info({ ...where, reason: entry.reason }, 'recipient is suppressed; not sending');
          return recordSuppressed(key, messageId, entry.reason);
        }
      }

      const mail = compose(req, messageId);
      const activity = activityContext();

      // rate: defer until a slot is free (shared by every worker); never an error
      const waited = await limiter.acquire({ signal: activity.signal, onWait: activity.heartbeat });
      if (waited > 250) log.debug({ ...where, waitedMs: waited }, 'send deferred by the rate limit');

      // (c) one attempt at a time per step
      const token = crypto.randomUUID();
      const locked = await redis.set(lockKey, token, 'PX', LOCK_TTL_MS, 'NX');
      if (locked !== 'OK')
        throw new EmailSendInProgressError(`email ${req.step} of lead ${req.leadId} is being sent by another attempt`);
      let marked = false; // we wrote `sending`: the record is ours to clean up on a failed send
      let committed = false; // the end of the message was released to the server
      try {
        const current = await readRecord(key);
        const nowDone = settled(current);
        if (nowDone) return nowDone;
        if (current?.state === 'committing') return await settleUncertain(key, current, req);

        // (d) send; the end of the message is released only once `committing` is durable
        await writeRecord(key, { state: 'sending', messageId, at: new Date().toISOString() });
        marked = true;
        await sendGated(
          transport,
          mail,
          async () => {
            const at = new Date().toISOString();
            const ok = await runScript(
              redis,
              WRITE_IF_LOCKED,
              key,
              lockKey,
              token,
              JSON.stringify({ state: 'committing', messageId, at }),
              RECORD_TTL_SECONDS,
            );
            if (ok !== 1)
              throw new EmailSendInProgressError('lost the send lock before committing the message; not sending');
            committed = true;
          },
          activity.signal,
        );

        // (e) accepted: record it before anything else can fail or the process can die
        const sentAt = new Date().toISOString();
        try {
          await writeRecord(key, { state: 'sent', messageId, sentAt, template: req.template });
        } catch (err) {
          // the `committing` record stands in: a retry answers already_sent and never resends
          log.error({ ...where, err }, 'email sent but its record could not be written');
        }
        log.info(where, 'email sent');
        workerCounter('dealflow_emails_sent', 'emails accepted by the SMTP server', {
          kind: internal ? 'internal' : 'lead',
          template: req.template,
        });
        return { status: 'sent', messageId, sentAt };
      } catch (err) {
        const code = smtpCode(err);
        // failed before our own send started: the record is not ours to touch
        if (!marked) throw err;
        if (committed && code === undefined) {
          // the "." may have reached the server: leave `committing`, the retry settles at-most-once
          throw err;
        }
        // the server did not accept the message (never got its end, or refused it with a reply code)
        await runScript(redis, DELETE_IF_LOCKED, key, lockKey, token).catch(() => undefined);
        if (code !== undefined && code >= 500 && code !== 503) {
          const rejectedRecipient =
            (err as { command?: string }).command === 'RCPT TO' || (err as { code?: string }).code === 'EENVELOPE';
          if (rejectedRecipient && !internal) {
            log.warn({ ...where, responseCode: code }, 'recipient refused by the SMTP server; suppressing as bounced');
            await suppression.add(req.to, { reason: 'bounced', leadId: req.leadId });
            return await recordSuppressed(key, messageId, 'bounced');
          }
          throw ApplicationFailure.nonRetryable(
            `SMTP refused email ${req.step} of lead ${req.leadId}: ${(err as Error).message}`,
            'EmailRejectedError',
          );
        }
        throw err;
      } finally {
        await runScript(redis, RELEASE_LOCK, lockKey, token).catch(() => undefined);
      }
    },
  };
}
