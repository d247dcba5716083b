/**
 * README "HTTP API"'s error shape `{ error: { code, message, details } }` and docs/ERRORS.md's codes.
 * Every error a route raises is first named by a code of the vocabulary (workflows/policy/errors.ts)
 * — from its class, its `code`, the `type` of a workflow's ApplicationFailure, a framework error's
 * code, or the dependency that failed — and the code alone decides the HTTP status, in HTTP_STATUS:
 * one table over every code, so a code added to the vocabulary does not compile until it is mapped.
 * Nothing here reads an error's message text.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { CodedError, DependencyError, type Dependency, type FieldProblem } from '../../store/request-errors';
import { isErrorCode, type ErrorCode } from '../../workflows/policy/errors';

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** The HTTP status of every code of the vocabulary (docs/ERRORS.md lists them with their meaning). */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  uri_too_long: 414,
  not_found: 404,
  method_not_allowed: 405,
  rate_limited: 429,
  unauthorized: 401,
  forbidden: 403,
  signature_missing: 401,
  signature_malformed: 401,
  signature_expired: 401,
  signature_mismatch: 403,
  unknown_stage: 400,
  closed: 409,
  same_stage: 409,
  follow_up_only_by_won: 409,
  address_taken: 409,
  claimed_first: 409,
  lead_busy: 429,
  conflict: 409,
  task_cancelled: 409,
  task_not_open: 409,
  version_conflict: 409,
  campaign_transition: 409,
  survey_closed: 409,
  survey_answered: 409,
  dependency_unavailable: 503,
  internal: 500,
};

/** Seconds a caller waits before trying again after a 503 (a dependency is down) or a busy lead. */
const DEPENDENCY_RETRY_AFTER_S = 2;
const BUSY_RETRY_AFTER_S = 1;

/** Fastify's own errors (content type, body, URL) by their `code`. */
const FRAMEWORK: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_input',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_input',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_input',
  FST_ERR_BAD_URL: 'invalid_input',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
};
/** Other 4xx answers of the framework or a plugin, by status. */
const BY_STATUS: Record<number, ErrorCode> = {
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Socket errors that mean the other end is not there (or stopped answering). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ESOCKET',
  'ECONNECTION',
]);

/** An error, its cause, its cause's cause… (bounded: a cycle ends the walk). */
function* chain(err: unknown): Generator<Error & { code?: unknown; cause?: unknown; name: string }> {
  let e = err;
  for (let i = 0; i < 8 && e instanceof Error; i++) {
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}

/**
 * The dependency an error says is down, or undefined. Structural only: ioredis's
 * `MaxRetriesPerRequestError` (its offline queue gave up: Redis is unreachable), a gRPC status of
 * UNAVAILABLE or DEADLINE_EXCEEDED anywhere in the cause chain (the Temporal SDK keeps it in
 * `cause`), a socket error code, or a DependencyError.
 */
export function dependencyOf(err: unknown): Dependency | 'network' | undefined {
  for (const e of chain(err)) {
    if (e instanceof DependencyError) return e.dependency ?? 'network';
    if (e.name === 'MaxRetriesPerRequestError' || e.name === 'ClusterAllFailedError') return 'redis';
    if (isGrpcServiceError(e) && (e.code === GrpcStatus.UNAVAILABLE || e.code === GrpcStatus.DEADLINE_EXCEEDED))
      return 'temporal';
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return 'network';
  }
  return undefined;
}

/** Temporal refused the call because the workflow has too many updates in flight (RESOURCE_EXHAUSTED). */
function busyWorkflow(err: unknown): boolean {
  for (const e of chain(err)) if (isGrpcServiceError(e) && e.code === GrpcStatus.RESOURCE_EXHAUSTED) return true;
  return false;
}

/** The first ApplicationFailure in the chain whose type is a code of the vocabulary (a workflow's or validator's refusal). */
function typedFailure(err: unknown): ApplicationFailure | undefined {
  for (const e of chain(err)) if (e instanceof ApplicationFailure && isErrorCode(e.type)) return e;
  return undefined;
}

export interface Classified {
  code: ErrorCode;
  message: string;
  details?: FieldProblem[];
  retryAfterSeconds?: number;
}

/** Names an error by its code; `internal` when nothing about it is known (its message is not shown). */
export function classify(err: unknown): Classified {
  const e = err as Error & { statusCode?: number; code?: unknown; details?: unknown; retryAfterSeconds?: number };
  if (e instanceof CodedError) {
    return {
      code: e.code,
      message: e.message,
      ...(e.details.length ? { details: e.details } : {}),
      ...(e.retryAfterSeconds ? { retryAfterSeconds: e.retryAfterSeconds } : {}),
    };
  }
  const failure = typedFailure(err);
  if (failure) {
    const code = failure.type as ErrorCode;
    const [path, message] = (failure.details ?? []).map(String);
    const details =
      code === 'invalid_input' ? [{ path: path ?? '(body)', message: message ?? failure.message }] : undefined;
    return { code, message: failure.message, ...(details ? { details } : {}) };
  }
  // the data layer's errors carry their code (task, campaign, config version, page token)
  if (e instanceof Error && isErrorCode(e.code)) {
    return {
      code: e.code,
      message: e.message,
      ...(e.code === 'invalid_input' ? { details: [{ path: '(body)', message: e.message }] } : {}),
    };
  }
  if (err instanceof WorkflowNotFoundError) return { code: 'not_found', message: 'not found' };
  if (busyWorkflow(err))
    return {
      code: 'lead_busy',
      message: 'the lead is busy with other changes; try again',
      retryAfterSeconds: BUSY_RETRY_AFTER_S,
    };
  const dep = dependencyOf(err);
  if (dep) return unavailable(dep);
  if (e instanceof Error && typeof e.code === 'string' && e.code in FRAMEWORK) {
    const code = FRAMEWORK[e.code];
    return {
      code,
      message: e.message,
      ...(code === 'invalid_input'
        ? { details: [{ path: e.code === 'FST_ERR_BAD_URL' ? '(url)' : '(body)', message: e.message }] }
        : {}),
    };
  }
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    const code = BY_STATUS[e.statusCode] ?? 'invalid_input';
    return {
      code,
      message: e.message,
      ...(code === 'invalid_input' ? { details: [{ path: '(body)', message: e.message }] } : {}),
    };
  }
  return { code: 'internal', message: 'internal error' };
}

function unavailable(dep: Dependency | 'network'): Classified {
  const what =
    dep === 'redis'
      ? 'Redis'
      : dep === 'temporal'
        ? 'Temporal'
        : dep === 'smtp'
          ? 'the SMTP relay'
          : 'a dependency (Temporal or Redis)';
  return {
    code: 'dependency_unavailable',
    message: `${what} is unavailable; try again shortly`,
    retryAfterSeconds: DEPENDENCY_RETRY_AFTER_S,
  };
}

/** The status and body of an error (its status from HTTP_STATUS only). */
export function toHttpError(err: unknown): { status: number; body: ErrorBody; retryAfterSeconds?: number } {
  return render(classify(err));
}

export function render(c: Classified): { status: number; body: ErrorBody; retryAfterSeconds?: number } {
  const status = HTTP_STATUS[c.code];
  return {
    status,
    body: { error: { code: c.code, message: c.message, ...(c.details ? { details: c.details } : {}) } },
    ...(c.retryAfterSeconds ? { retryAfterSeconds: c.retryAfterSeconds } : {}),
  };
}

/** Sends an error in the API's shape, with `Retry-After` on a 429 or 503. */
export function sendError(
  reply: FastifyReply,
  e: { status: number; body: ErrorBody; retryAfterSeconds?: number },
): FastifyReply {
  if (e.retryAfterSeconds && !reply.hasHeader('retry-after'))
    void reply.header('retry-after', String(e.retryAfterSeconds));
  return reply.status(e.status).send(e.body);
}

/**
 * The API's error handler. `redisDown` tells whether the API's Redis connection is not usable now:
 * an error no class or code names (ioredis's "Command timed out" or "Connection is closed") raised
 * while Redis is unreachable is that outage, a 503 — and otherwise a fault of ours, a 500.
 */
export function makeErrorHandler(redisDown: () => Promise<boolean>) {
  return async function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    let c = classify(err);
    if (c.code === 'internal' && (await redisDown().catch(() => true))) c = unavailable('redis');
    const e = render(c);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    await sendError(reply, e);
  };
}
