/**
 * Enrichment errors. The class name is the contract with the workflow's retry policy (it becomes
 * the ApplicationFailure type): EnrichmentUnavailableError is retryable, and the workflow decides
 * how often before it records the gap and tries again later.
 */

/** The enrichment provider is down, slow, refusing us or answering nonsense: try again later. */
export class EnrichmentUnavailableError extends Error {
  override name = 'EnrichmentUnavailableError';
  constructor(
    message: string,
    /** the provider's HTTP status when it answered at all */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
