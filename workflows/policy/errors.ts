/**
 * The error vocabulary (docs/ERRORS.md): every error the API answers has one of these codes, listed
 * per area. Workflows, update validators and activities throw them as `ApplicationFailure`s whose
 * `type` is the code (`failure()` below), the client layer's error classes (client/errors.ts) carry
 * one, and client/api/errors.ts maps each code to its HTTP status in one table typed
 * `Record<ErrorCode, …>`: a code added here does not compile until it is mapped there.
 *
 * Pure (no I/O), so workflow code may import it.
 */
import { ApplicationFailure } from '@temporalio/common';

export const ERROR_CODES = {
  /** the request itself: its shape, size, media type, path */
  request: [
    'invalid_input',
    'unsupported_media_type',
    'payload_too_large',
    'uri_too_long',
    'not_found',
    'method_not_allowed',
    'rate_limited',
  ],
  /** who is asking (the signature codes: the signed inbound webhook) */
  auth: [
    'unauthorized',
    'forbidden',
    'signature_missing',
    'signature_malformed',
    'signature_expired',
    'signature_mismatch',
  ],
  /** a lead's changes (the move-refusal codes are workflows/policy/transitions.ts's MoveVerdict codes) */
  lead: [
    'unknown_stage',
    'closed',
    'same_stage',
    'follow_up_only_by_won',
    'address_taken',
    'claimed_first',
    'lead_busy',
    'conflict',
  ],
  /** a rep's task */
  task: ['task_cancelled', 'task_not_open'],
  /** versioned, audited configuration documents */
  config: ['version_conflict'],
  /** campaigns, batches, surveys */
  campaign: ['campaign_transition', 'survey_closed', 'survey_answered'],
  /** a service dealflow depends on is down or does not answer in time: 503 with Retry-After */
  dependency: ['dependency_unavailable'],
  /** a fault of dealflow itself: 500, nothing about it is said */
  internal: ['internal'],
} as const;

export type ErrorArea = keyof typeof ERROR_CODES;
export type ErrorCode = (typeof ERROR_CODES)[ErrorArea][number];

const ALL = new Set<string>(Object.values(ERROR_CODES).flat());

/** Whether `s` is a code of the vocabulary (an ApplicationFailure's `type`, a body's `error.code`). */
export function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === 'string' && ALL.has(s);
}

/** The area a code belongs to. */
export function areaOf(code: ErrorCode): ErrorArea {
  return (Object.keys(ERROR_CODES) as ErrorArea[]).find((a) => (ERROR_CODES[a] as readonly string[]).includes(code))!;
}

/**
 * A typed failure: `type` is the code; for `invalid_input`, `details` are the field and what is
 * wrong with it (`problem`, else the message); non-retryable unless `retryable` (retrying a refused
 * input or a forbidden caller cannot help).
 */
export function failure(
  code: ErrorCode,
  message: string,
  opts: { field?: string; problem?: string; retryable?: boolean } = {},
): ApplicationFailure {
  return ApplicationFailure.create({
    type: code,
    message,
    nonRetryable: !opts.retryable,
    ...(opts.field !== undefined ? { details: [opts.field, opts.problem ?? message] } : {}),
  });
}
