/**
 * Error classes thrown by activities. Their names are the contract with the workflows' retry
 * policy: these are never retried; every other error is retried with backoff.
 */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
}
export class SuppressedRecipientError extends Error {
  override name = 'SuppressedRecipientError';
}
export class TemplateNotFoundError extends Error {
  override name = 'TemplateNotFoundError';
}

export const NON_RETRYABLE_ERRORS = ['InvalidInputError', 'SuppressedRecipientError', 'TemplateNotFoundError'] as const;
