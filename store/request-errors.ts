/**
 * Errors the client layer raises. Each carries a code of the error vocabulary
 * (workflows/policy/errors.ts, docs/ERRORS.md); the API maps the code to its HTTP status in one
 * table (client/api/errors.ts) and the CLI prints the message.
 */
import type { z } from 'zod';
import type { ErrorCode } from '../workflows/policy/errors';

export interface FieldProblem {
  path: string;
  message: string;
}

/** An error with a code of the vocabulary; `details` name the fields it is about. */
export class CodedError extends Error {
  override name = 'CodedError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: FieldProblem[] = [],
    /** for a 429 or 503: when to try again, in seconds (the `Retry-After` header) */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Bad input: `invalid_input` (400), with the fields at fault. */
export class ValidationError extends CodedError {
  override name = 'ValidationError';
  constructor(message: string, details: FieldProblem[] = []) {
    super('invalid_input', message, details);
  }
}
export class NotFoundError extends CodedError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super('not_found', message);
  }
}
export class ForbiddenError extends CodedError {
  override name = 'ForbiddenError';
  constructor(message = 'forbidden') {
    super('forbidden', message);
  }
}
/**
 * A change refused by the state of what it changes (an illegal stage move, a closed deal, a
 * cancelled task, a concurrent config write): 409 unless the code maps elsewhere. `code` is one of
 * the vocabulary's lead, task, config or campaign codes (`conflict` when no precise one applies).
 */
export class ConflictError extends CodedError {
  override name = 'ConflictError';
  /** `details`: the fields the conflict is about (e.g. `email` naming the open lead that has the address) */
  constructor(message: string, code: ErrorCode = 'conflict', details: FieldProblem[] = []) {
    super(code, message, details);
  }
}

/** A service dealflow needs is down or did not answer in time: `dependency_unavailable` (503, Retry-After). */
export type Dependency = 'redis' | 'temporal' | 'smtp';
export class DependencyError extends CodedError {
  override name = 'DependencyError';
  constructor(
    message: string,
    readonly dependency?: Dependency,
    options?: { cause?: unknown },
  ) {
    super('dependency_unavailable', message, [], 2);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** zod issues → field problems; an unknown key becomes a problem at that key's path. */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  prefix: (string | number)[] = [],
): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const i of issues) {
    const base = [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push({ path: [...base, k].join('.'), message: 'unknown field' });
    } else {
      out.push({ path: base.join('.') || '(body)', message: i.message });
    }
  }
  return out;
}
