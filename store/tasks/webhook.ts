/**
 * Task webhooks (README "How tasks reach people"): the per-team configuration (a VersionedConfig named `webhooks`, so every
 * change is versioned and audited) and the HMAC-SHA256 signature a receiver checks.
 *
 * A delivery carries `X-Dealflow-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw request body
 * with the team's secret. Receivers verify it over the bytes they received, before parsing them.
 */
import crypto from 'node:crypto';
import type Redis from 'ioredis';
import { z } from 'zod';
import { VersionedConfig } from '../config/versioned-config';
import { isCanonicalMac } from '../email/tokens';

export const TASK_EVENT_TYPES = ['task.created', 'task.completed', 'task.cancelled', 'task.reassigned'] as const;
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];

export const SIGNATURE_HEADER = 'X-Dealflow-Signature';
export const EVENT_HEADER = 'X-Dealflow-Event';
export const DELIVERY_HEADER = 'X-Dealflow-Delivery';

export interface TeamWebhook {
  /** http(s) URL the events are POSTed to */
  url: string;
  /** HMAC-SHA256 key, at least 16 characters */
  secret: string;
  /** the events to deliver; all of them when absent */
  events?: TaskEventType[];
}

export interface WebhooksBody {
  teams: Record<string, TeamWebhook>;
}

export const webhookUrlSchema = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an http or https URL');

export const webhookSecretSchema = z.string().min(16, 'must be at least 16 characters').max(256);

export const webhookEventsSchema = z
  .array(z.enum(TASK_EVENT_TYPES))
  .min(1, 'list at least one event, or leave the field out for all of them')
  .refine((list) => new Set(list).size === list.length, 'events must not repeat');

function defaultWebhooks(): WebhooksBody {
  return { teams: {} };
}

/** The `webhooks` document: `{ teams: { <team>: { url, secret, events? } } }`, versioned and audited. */
export function webhooksStore(redis: Redis, prefix: string): VersionedConfig<WebhooksBody> {
  return new VersionedConfig<WebhooksBody>(redis, prefix, 'webhooks', defaultWebhooks);
}

/** Whether a team's webhook wants this event. */
export function wantsEvent(hook: TeamWebhook, event: string): boolean {
  return !hook.events || (hook.events as string[]).includes(event);
}

/** `sha256=<hex>`: the HMAC-SHA256 of the raw body with the team's secret. */
export function signBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/**
 * Checks a `sha256=<hex>` header against the raw body, in constant time. Only the spelling
 * signBody() makes (lowercase hex, nothing around it) is accepted; false for anything else.
 */
export function verifySignature(
  secret: string,
  rawBody: string | Buffer,
  header: string | string[] | null | undefined,
): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' || !value.startsWith('sha256=')) return false;
  return isCanonicalMac(
    value.slice('sha256='.length),
    crypto.createHmac('sha256', secret).update(rawBody).digest(),
    'hex',
  );
}

/** `…` and the last four characters: how a secret is shown to anyone, admins included. */
export function maskSecret(secret: string): string {
  return `…${secret.slice(-4)}`;
}
