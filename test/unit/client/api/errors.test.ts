/**
 * The error vocabulary and its one mapping to HTTP (workflows/policy/errors.ts, client/api/errors.ts,
 * docs/ERRORS.md): every code has a status, and each kind of error — a validator's typed failure,
 * a data-layer error with a code, a dependency outage known by its structure, a framework error —
 * gets its code and status. Nothing is decided from message text.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ERROR_CODES, areaOf, failure, isErrorCode, type ErrorCode } from '../../../../workflows/policy/errors';
import { HTTP_STATUS, classify, dependencyOf, toHttpError } from '../../../../client/api/errors';
import {
  ConflictError,
  DependencyError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../../../store/request-errors';
import { VersionConflictError } from '../../../../store/config/versioned-config';
import { TaskNotFoundError } from '../../../../store/tasks/task-store';
import { CampaignTransitionError } from '../../../../store/campaigns/campaign-store';
import { InvalidPageTokenError } from '../../../../store/paging';
import { UnauthorizedError } from '../../../../client/api/auth';
import { RateLimitedError } from '../../../../client/api/rate-limit';
import { checkMove } from '../../../../workflows/policy/transitions';

/** A gRPC error as @grpc/grpc-js raises it (an Error with a numeric `code` and `details`). */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: { getMap: () => ({}) } });
}

/** An update the workflow's validator refused with `f`, as the client receives it. */
function refusedUpdate(f: ApplicationFailure): WorkflowUpdateFailedError {
  return new WorkflowUpdateFailedError('Workflow Update failed', f);
}

describe('the vocabulary', () => {
  const all: ErrorCode[] = Object.values(ERROR_CODES).flat();

  it('lists every code once, in one area', () => {
    expect(new Set(all).size).toBe(all.length);
    for (const c of all) expect((ERROR_CODES[areaOf(c)] as readonly string[]).includes(c)).toBe(true);
  });

  it('maps every code to an HTTP error status', () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual([...all].sort());
    for (const c of all) expect(HTTP_STATUS[c]).toBeGreaterThanOrEqual(400);
    expect(HTTP_STATUS.dependency_unavailable).toBe(503);
    expect(HTTP_STATUS.version_conflict).toBe(409);
    expect(HTTP_STATUS.lead_busy).toBe(429);
    expect(HTTP_STATUS.internal).toBe(500);
  });

  it('answers 503 only for dependency_unavailable', () => {
    expect(all.filter((c) => HTTP_STATUS[c] === 503)).toEqual(['dependency_unavailable']);
  });

  it('contains the move-refusal codes the transition policy computes', () => {
    for (const to of ['warp', 'follow_up', 'approach']) {
      const v = checkMove({ stage: 'approach', status: 'open' }, to);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(isErrorCode(v.code)).toBe(true);
    }
    const closed = checkMove({ stage: 'approach', status: 'lost' }, 'closing');
    expect(closed).toMatchObject({ ok: false, code: 'closed' });
  });

  it('makes non-retryable typed failures, retryable on request, with the field in details', () => {
    const f = failure('invalid_input', 'amount: EUR has 2 decimal places at most', {
      field: 'amount',
      problem: 'EUR has 2 decimal places at most',
    });
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f).toMatchObject({
      type: 'invalid_input',
      nonRetryable: true,
      details: ['amount', 'EUR has 2 decimal places at most'],
    });
    expect(failure('invalid_input', 'an actor is required', { field: 'actor' }).details).toEqual([
      'actor',
      'an actor is required',
    ]);
    expect(failure('version_conflict', 'x', { retryable: true }).nonRetryable).toBe(false);
  });
});

describe('classify / toHttpError', () => {
  it.each([
    ['same_stage', 409],
    ['closed', 409],
    ['follow_up_only_by_won', 409],
    ['unknown_stage', 400],
    ['forbidden', 403],
    ['claimed_first', 409],
  ] as const)("a validator's %s refusal reaches the caller as %i with its code and reason", (code, status) => {
    const e = toHttpError(refusedUpdate(failure(code, `the reason for ${code}`)));
    expect(e.status).toBe(status);
    expect(e.body.error).toEqual({ code, message: `the reason for ${code}` });
  });

  it("a validator's invalid_input names its field", () => {
    const e = toHttpError(
      refusedUpdate(
        failure('invalid_input', 'amount: JPY has no minor unit: a whole number', {
          field: 'amount',
          problem: 'JPY has no minor unit: a whole number',
        }),
      ),
    );
    expect(e.status).toBe(400);
    expect(e.body.error.details).toEqual([{ path: 'amount', message: 'JPY has no minor unit: a whole number' }]);
  });

  it('a failure whose type is not a code is not trusted: 500 with nothing said', () => {
    const e = toHttpError(refusedUpdate(ApplicationFailure.create({ type: 'Error', message: 'secret internals' })));
    expect(e).toEqual({ status: 500, body: { error: { code: 'internal', message: 'internal error' } } });
  });

  it('maps the client classes and the data layer errors by their code', () => {
    expect(toHttpError(new ValidationError('bad', [{ path: 'x', message: 'y' }]))).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_input', details: [{ path: 'x', message: 'y' }] } },
    });
    expect(toHttpError(new NotFoundError('gone')).status).toBe(404);
    expect(toHttpError(new ForbiddenError('no')).status).toBe(403);
    expect(toHttpError(new UnauthorizedError('who')).status).toBe(401);
    expect(toHttpError(new ConflictError('taken', 'address_taken')).body.error.code).toBe('address_taken');
    expect(toHttpError(new VersionConflictError('thresholds changed concurrently'))).toMatchObject({
      status: 409,
      body: { error: { code: 'version_conflict' } },
    });
    expect(toHttpError(new TaskNotFoundError('task t-1 not found')).status).toBe(404);
    expect(toHttpError(new CampaignTransitionError('cancelled campaigns stay cancelled'))).toMatchObject({
      status: 409,
      body: { error: { code: 'campaign_transition' } },
    });
    expect(toHttpError(new InvalidPageTokenError('malformed')).status).toBe(400);
    expect(toHttpError(new RateLimitedError(7))).toMatchObject({
      status: 429,
      retryAfterSeconds: 7,
      body: { error: { code: 'rate_limited' } },
    });
  });

  it("maps ioredis's MaxRetriesPerRequestError to 503 with Retry-After", () => {
    const err = new Error(
      'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
    );
    Object.defineProperty(err, 'name', { value: 'MaxRetriesPerRequestError' });
    expect(dependencyOf(err)).toBe('redis');
    expect(toHttpError(err)).toMatchObject({
      status: 503,
      retryAfterSeconds: 2,
      body: { error: { code: 'dependency_unavailable' } },
    });
  });

  it('maps Temporal UNAVAILABLE and DEADLINE_EXCEEDED kept in `cause` to 503', () => {
    for (const code of [GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED]) {
      const err = new ServiceError('Failed to query Workflow', { cause: grpcError(code, 'No connection established') });
      expect(dependencyOf(err)).toBe('temporal');
      expect(toHttpError(err)).toMatchObject({
        status: 503,
        retryAfterSeconds: 2,
        body: { error: { code: 'dependency_unavailable', message: 'Temporal is unavailable; try again shortly' } },
      });
    }
  });

  it("maps Temporal's RESOURCE_EXHAUSTED (a workflow's in-flight update limit) to 429 lead_busy", () => {
    const err = new ServiceError('Workflow Update failed', {
      cause: grpcError(GrpcStatus.RESOURCE_EXHAUSTED, 'too many outstanding updates'),
    });
    expect(toHttpError(err)).toMatchObject({
      status: 429,
      retryAfterSeconds: 1,
      body: { error: { code: 'lead_busy' } },
    });
  });

  it('maps socket errors by their code and a DependencyError to 503', () => {
    expect(
      toHttpError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })).status,
    ).toBe(503);
    expect(toHttpError(new DependencyError('the relay is down', 'smtp'))).toMatchObject({
      status: 503,
      body: { error: { message: 'the relay is down' } },
    });
  });

  it('never answers 503 from message text alone', () => {
    expect(toHttpError(new Error('UNAVAILABLE ECONNREFUSED Connection is closed')).status).toBe(500);
    expect(toHttpError(new Error('workflow not found')).status).toBe(500);
  });

  it('maps the framework errors by their code', () => {
    const fst = (code: string, statusCode: number) => Object.assign(new Error(code), { code, statusCode });
    expect(classify(fst('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415)).code).toBe('unsupported_media_type');
    expect(classify(fst('FST_ERR_CTP_BODY_TOO_LARGE', 413)).code).toBe('payload_too_large');
    expect(classify(fst('FST_ERR_CTP_INVALID_JSON_BODY', 400))).toMatchObject({
      code: 'invalid_input',
      details: [{ path: '(body)' }],
    });
    expect(classify(fst('FST_ERR_BAD_URL', 400))).toMatchObject({
      code: 'invalid_input',
      details: [{ path: '(url)' }],
    });
    expect(classify(fst('FST_ERR_MAX_PARAM_LENGTH', 414)).code).toBe('uri_too_long');
    expect(classify(Object.assign(new Error('nope'), { statusCode: 405 })).code).toBe('method_not_allowed');
  });
});
