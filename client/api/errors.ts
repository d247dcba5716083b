/** README "HTTP API"'s error shape and status codes: `{ error: { code, message, details } }`. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, DependencyError, ForbiddenError, NotFoundError, ValidationError } from '../../store/request-errors';
import { UnauthorizedError } from './auth';

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

function toHttpError(err: unknown): { status: number; body: ErrorBody } {
  const e = err as Error & { statusCode?: number; code?: string; validation?: unknown };
  if (e instanceof ValidationError) return { status: 400, body: { error: { code: 'invalid_input', message: e.message, details: e.details } } };
  if (e instanceof UnauthorizedError) return { status: 401, body: { error: { code: e.code, message: e.message } } };
  if (e instanceof ForbiddenError) return { status: 403, body: { error: { code: 'forbidden', message: e.message } } };
  if (e instanceof NotFoundError) return { status: 404, body: { error: { code: 'not_found', message: e.message } } };
  if (e instanceof ConflictError) return { status: 409, body: { error: { code: e.code, message: e.message, ...(e.details.length ? { details: e.details } : {}) } } };
  if (e instanceof DependencyError) return { status: 503, body: { error: { code: 'dependency_unavailable', message: e.message } } };
  if (e?.statusCode === 429) return { status: 429, body: { error: { code: 'rate_limited', message: e.message } } };
  if (e?.statusCode === 415) return { status: 415, body: { error: { code: 'unsupported_media_type', message: e.message } } };
  if (e?.statusCode === 413) return { status: 413, body: { error: { code: 'payload_too_large', message: e.message } } };
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: 400, body: { error: { code: 'invalid_input', message: e.message, details: [{ path: '(body)', message: e.message }] } } };
  }
  // gRPC UNAVAILABLE / Redis connection errors → 503
  const msg = String(e?.message ?? e);
  if (/UNAVAILABLE|ECONNREFUSED|Connection is closed|connect ETIMEDOUT|Stream isn't writeable/i.test(msg)) {
    return { status: 503, body: { error: { code: 'dependency_unavailable', message: 'a dependency (Temporal or Redis) is unavailable' } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } } };
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toHttpError(err);
  if (status >= 500) req.log.error({ err }, 'request failed');
  void reply.status(status).send(body);
}
