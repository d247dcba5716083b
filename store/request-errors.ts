/**
 * Errors the client layer raises; the API maps each to README "HTTP API"'s status codes (client/api/errors.ts)
 * and the CLI prints their message.
 */
import type { z } from 'zod';
export interface FieldProblem {
  path: string;
  message: string;
}

export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(message: string, public readonly details: FieldProblem[] = []) {
    super(message);
  }
}
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}
/**
 * An illegal stage move or a change to a closed deal: 409 with the workflow's reason. `code` is the
 * error code the API answers (`conflict` unless a more precise one is given, e.g. `task_cancelled`).
 */
export class ConflictError extends Error {
  override name = 'ConflictError';
  /** `details`: the fields the conflict is about (e.g. `email` naming the open lead that has the address) */
  constructor(
    message: string,
    public readonly code = 'conflict',
    public readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }
}
export class DependencyError extends Error {
  override name = 'DependencyError';
}

/** zod issues → field problems; an unknown key becomes a problem at that key's path. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], prefix: (string | number)[] = []): FieldProblem[] {
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
