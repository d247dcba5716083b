/**
 * Task delivery beyond Redis (README "How tasks reach people"): the signed per-team webhook (c) and the daily digest email
 * per rep (d). The stream `dealflow:tasks` (b) is written by the task store itself.
 *
 * Webhooks are delivered at least once: one POST per (task, event), identified by the deterministic
 * delivery id `<taskId>:<event>` that receivers dedupe on. A 2xx is recorded under
 * `<prefix>webhook:delivered:<id>`, so a retry after a success never POSTs again; only an attempt that
 * dies between the receiver's 2xx and that record (or two attempts racing after a timeout) can
 * repeat a POST, with the same id.
 *
 * The digest sends one `task_digest` email per person with open tasks and date, through the
 * exactly-once send activity (step `digest:<date>`, lead id `digest-<person>`), so a retried or
 * re-run digest never mails anyone twice.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from '../deps';
import type { SendEmailRequest } from '../email/send-email.activity';
import { InvalidInputError } from '../../store/errors';
import type { Task } from '../../store/tasks/task';
import { webhookTargetPolicy, webhookTargetProblem } from '../../store/tasks/webhook-target';
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  signBody,
  TASK_EVENT_TYPES,
  wantsEvent,
  webhooksStore,
  type TaskEventType,
} from '../../store/tasks/webhook';

const WEBHOOK_TIMEOUT_MS = 10_000;
const DELIVERED_TTL_SECONDS = 30 * 24 * 60 * 60;
/** a receiver's Retry-After is honoured up to this long */
const MAX_RETRY_AFTER_MS = 10 * 60_000;
/** tasks listed in one digest (the count covers them all) */
const DIGEST_MAX_LISTED = 50;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface WebhookPayload {
  /** `<taskId>:<event>`; the same for every attempt */
  id: string;
  type: TaskEventType;
  /** the task as stored when the delivery is made */
  task: Task;
  sentAt: string;
}

export type DeliverTaskWebhookResult = {
  status: 'delivered' | 'not_configured' | 'already_delivered';
  httpStatus?: number;
};

export interface DigestResult {
  /** digests sent by this call */
  sent: number;
  /** everyone whose digest for the date is out (sent now or by an earlier attempt) */
  reps: string[];
}

/** What the digest needs of the email activities (the worker passes the real ones). */
export interface DigestMailer {
  sendEmail: (req: SendEmailRequest) => Promise<unknown>;
}

/** The activity's cancellation signal and heartbeat when running as an activity; nothing when called directly. */
function activityContext(): { signal?: AbortSignal; heartbeat: (details?: unknown) => void } {
  try {
    const ctx = Context.current();
    return { signal: ctx.cancellationSignal, heartbeat: (d) => ctx.heartbeat(d) };
  } catch {
    return { heartbeat: () => undefined };
  }
}

/** Retry-After (seconds or an HTTP date) in ms, capped; undefined if absent or unreadable. */
function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** host[:port] only: URLs may carry credentials or tokens and are never logged whole. */
function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(bad url)';
  }
}

function deliveryIdFor(taskId: string, event: string): string {
  return `${taskId}:${event}`;
}

export function createDeliveryActivities(deps: ActivityDeps, email: DigestMailer) {
  const { redis, prefix, tasks } = deps;
  const log = deps.log.child({ area: 'task-delivery' });
  const webhooks = webhooksStore(redis, prefix);
  const targets = webhookTargetPolicy(deps.config);

  return {
    /**
     * POSTs one task event to its team's webhook. 2xx → delivered (recorded); 4xx other than 408/429
     * or a redirect → non-retryable WebhookRejectedError; 5xx, 408, 429, timeouts and connection
     * errors → a retryable WebhookDeliveryError (the caller's retry policy gives the backoff).
     */
    async deliverTaskWebhook({ taskId, event }: { taskId: string; event: string }): Promise<DeliverTaskWebhookResult> {
      if (typeof taskId !== 'string' || taskId === '' || !(TASK_EVENT_TYPES as readonly string[]).includes(event)) {
        throw new InvalidInputError(`deliverTaskWebhook needs a task id and one of ${TASK_EVENT_TYPES.join(', ')}`);
      }
      const id = deliveryIdFor(taskId, event);
      const deliveredKey = `${prefix}webhook:delivered:${id}`;
      const where = { taskId, event, deliveryId: id };

      const recorded = await redis.get(deliveredKey);
      if (recorded) {
        const httpStatus = (JSON.parse(recorded) as { httpStatus?: number }).httpStatus;
        return { status: 'already_delivered', ...(httpStatus ? { httpStatus } : {}) };
      }

      const task = await tasks.get(taskId);
      if (!task) throw ApplicationFailure.nonRetryable(`task ${taskId} not found`, 'TaskNotFoundError');
      const hook = (await webhooks.get()).teams[task.team];
      if (!hook || !wantsEvent(hook, event)) return { status: 'not_configured' };

      const payload: WebhookPayload = { id, type: event as TaskEventType, task, sentAt: new Date().toISOString() };
      const body = JSON.stringify(payload);
      const activity = activityContext();
      const timeout = AbortSignal.timeout(WEBHOOK_TIMEOUT_MS);
      const host = safeHost(hook.url);
      // production: never POST to a private, loopback or link-local address (the name resolved now)
      const refused = await webhookTargetProblem(hook.url, targets).catch((err: Error) => {
        throw ApplicationFailure.retryable(
          `webhook ${host} for ${id}: could not resolve: ${err.message}`,
          'WebhookDeliveryError',
        );
      });
      if (refused) {
        log.warn({ ...where, host, reason: refused }, 'webhook target refused; not retrying');
        throw ApplicationFailure.nonRetryable(`webhook ${host} for ${id}: ${refused}`, 'WebhookTargetRefusedError');
      }

      let res: Response;
      try {
        res = await fetch(hook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'dealflow-webhooks/1',
            [SIGNATURE_HEADER]: signBody(hook.secret, body),
            [EVENT_HEADER]: event,
            [DELIVERY_HEADER]: id,
          },
          body,
          redirect: 'manual',
          signal: activity.signal ? AbortSignal.any([timeout, activity.signal]) : timeout,
        });
      } catch (err) {
        const reason = timeout.aborted
          ? `timed out after ${WEBHOOK_TIMEOUT_MS} ms`
          : (((err as Error).cause as Error | undefined)?.message ?? (err as Error).message);
        log.warn({ ...where, host, reason }, 'webhook delivery failed; will retry');
        throw ApplicationFailure.retryable(`webhook ${host} for ${id}: ${reason}`, 'WebhookDeliveryError');
      }
      await res.body?.cancel().catch(() => undefined);
      const httpStatus = res.status;

      if (httpStatus >= 200 && httpStatus < 300) {
        await redis.set(
          deliveredKey,
          JSON.stringify({ at: new Date().toISOString(), httpStatus }),
          'EX',
          DELIVERED_TTL_SECONDS,
        );
        log.info({ ...where, host, httpStatus }, 'webhook delivered');
        return { status: 'delivered', httpStatus };
      }
      if (
        (httpStatus >= 300 && httpStatus < 400) ||
        (httpStatus >= 400 && httpStatus < 500 && httpStatus !== 408 && httpStatus !== 429)
      ) {
        log.warn({ ...where, host, httpStatus }, 'webhook rejected the delivery; not retrying');
        throw ApplicationFailure.nonRetryable(
          `webhook ${host} answered ${httpStatus} for ${id}${httpStatus < 400 ? ' (redirects are not followed)' : ''}`,
          'WebhookRejectedError',
          { httpStatus },
        );
      }
      log.warn({ ...where, host, httpStatus }, 'webhook delivery failed; will retry');
      throw ApplicationFailure.create({
        message: `webhook ${host} answered ${httpStatus} for ${id}`,
        type: 'WebhookDeliveryError',
        details: [{ httpStatus }],
        nextRetryDelay:
          httpStatus === 429 || httpStatus === 503 ? retryAfterMs(res.headers.get('retry-after')) : undefined,
      });
    },

    /**
     * One `task_digest` email per rep (and manager) with open tasks, for `date` (YYYY-MM-DD). Each
     * send is exactly-once per (person, date), so retries and re-runs never mail anyone twice. A
     * failed send does not stop the others; the activity then fails (and is retried) after them.
     */
    async sendTaskDigests({ date }: { date: string }): Promise<DigestResult> {
      if (typeof date !== 'string' || !DATE.test(date) || Number.isNaN(Date.parse(date))) {
        throw new InvalidInputError(`sendTaskDigests needs a date as YYYY-MM-DD, not ${JSON.stringify(date)}`);
      }
      const activity = activityContext();
      const roster = deps.roster();
      const people = new Map<string, { id: string; name: string; email: string; timezone: string }>();
      for (const team of roster.teams()) {
        const t = roster.team(team);
        for (const p of [...t.reps, t.manager]) if (!people.has(p.id)) people.set(p.id, p);
      }
      const baseUrl = deps.config.PUBLIC_BASE_URL.replace(/\/+$/, '');

      let sent = 0;
      const reps: string[] = [];
      const failures: { person: string; err: unknown }[] = [];
      for (const person of people.values()) {
        activity.heartbeat({ person: person.id });
        const open: Task[] = [];
        let cursor: string | undefined;
        let total = 0;
        do {
          const page = await tasks.list({ assignee: person.id, status: 'open', limit: 500, cursor });
          total += page.items.length;
          for (const t of page.items) if (open.length < DIGEST_MAX_LISTED) open.push(t);
          cursor = page.nextPageToken;
        } while (cursor);
        if (total === 0) continue;

        const req: SendEmailRequest = {
          leadId: `digest-${person.id}`,
          step: `digest:${date}`,
          template: 'task_digest',
          locale: 'en',
          to: person.email,
          toName: person.name,
          lead: { name: person.name, email: person.email },
          owner: { name: person.name, email: person.email },
          internal: true,
          vars: {
            digestDate: date,
            taskCount: total,
            timezone: person.timezone,
            // the web page is served at `/` (README "HTTP API"); the fragment names the task inbox
            inboxUrl: `${baseUrl}/#tasks`,
            tasks: JSON.stringify(
              open.map((t) => ({ title: t.title, dueAt: t.dueAt, priority: t.priority, leadId: t.leadId })),
            ),
          },
        };
        try {
          const res = (await email.sendEmail(req)) as { status?: string } | undefined;
          if (res?.status === 'sent') sent++;
          reps.push(person.id);
        } catch (err) {
          log.warn({ person: person.id, date, err: (err as Error).message }, 'digest email failed');
          failures.push({ person: person.id, err });
        }
      }
      if (failures.length > 0) {
        const allFinal = failures.every(
          ({ err }) => (err instanceof ApplicationFailure && err.nonRetryable) || err instanceof InvalidInputError,
        );
        const message = `digest for ${date}: ${failures.length} of ${failures.length + reps.length} emails failed (${failures.map((f) => f.person).join(', ')}): ${(failures[0].err as Error).message}`;
        // if none of them can succeed on a retry, say so at once; else retry (the sent ones answer already_sent)
        if (allFinal) throw ApplicationFailure.nonRetryable(message, 'DigestRejectedError');
        throw ApplicationFailure.retryable(message, 'DigestDeliveryError');
      }
      log.info({ date, sent, reps: reps.length }, 'task digests sent');
      return { sent, reps };
    },
  };
}
