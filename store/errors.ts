/**
 * Error classes thrown by activities. Their names are the contract with the workflows' retry
 * policy: these are never retried; every other error is retried with backoff.
 */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}
export class TemplateNotFoundError extends Error {
  override name = 'TemplateNotFoundError';
}

export const NON_RETRYABLE_ERRORS = ['InvalidInputError', 'SuppressedRecipientError', 'TemplateNotFoundError'] as const;

/**
 * A Redis script's refusal of its input (a reply starting with INVALID or CORRUPT: every script
 * checks its inputs before its first write) as an InvalidInputError, so the activity is not retried;
 * any other error is rethrown as it is (an outage is retried).
 */
export function scriptRefusal(err: unknown): never {
  const msg = err instanceof Error ? err.message : String(err);
  if (/^(INVALID|CORRUPT)\b/.test(msg)) throw new InvalidInputError(msg);
  throw err;
}
