/**
 * Prospecting activities (README "What happens to a lead"): collect the lead's data and look its company up.
 *
 * collectLeadData never fails on DNS (an unanswered MX check is 'unknown'); it throws
 * InvalidInputError (never retried) for an address that is not one, and ordinary errors when
 * Redis is down (retried). enrichCompany throws EnrichmentUnavailableError when the provider is
 * down, so that the workflow chooses the retry policy, records the gap and tries again later.
 */
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { InvalidInputError } from '../../store/errors';
import { createDuplicateRegistry, createLeadAddressIndex } from '../../store/enrichment/duplicates';
import { checkMx, type MxStatus } from './mx';
import { domainOf, isFreeMailDomain, normaliseEmail } from '../../store/enrichment/normalise';
import { createEnrichmentProvider, type CompanyProfile } from './provider';

export interface EnrichmentDeps {
  redis: Redis;
  prefix: string;
  /** ENRICHMENT_URL; without it enrichCompany answers `not_configured` */
  enrichmentUrl?: string;
  log: Logger;
  mxTimeoutMs?: number;
  /** per request to the provider (default 5 s) */
  enrichmentTimeoutMs?: number;
  /** cache lifetimes (defaults 7 days for profiles, 1 day for misses) */
  cacheTtlSeconds?: number;
  missTtlSeconds?: number;
}

export interface LeadData {
  email: string;
  domain: string;
  freeMail: boolean;
  mx: MxStatus;
  duplicateOf: string | null;
}

export type EnrichCompanyResult =
  { status: 'ok'; company: CompanyProfile } | { status: 'not_found' } | { status: 'not_configured' };

export function createEnrichmentActivities(deps: EnrichmentDeps) {
  const log = deps.log.child({ area: 'enrichment' });
  const duplicates = createDuplicateRegistry(deps.redis, deps.prefix);
  const addresses = createLeadAddressIndex(deps.redis, deps.prefix);
  const provider = deps.enrichmentUrl
    ? createEnrichmentProvider({
        redis: deps.redis,
        prefix: deps.prefix,
        baseUrl: deps.enrichmentUrl,
        log,
        timeoutMs: deps.enrichmentTimeoutMs,
        ttlSeconds: deps.cacheTtlSeconds,
        missTtlSeconds: deps.missTtlSeconds,
      })
    : undefined;

  return {
    /** Normalised email and domain, free-mail flag, MX verdict and the lead already holding this email. */
    async collectLeadData({ leadId, email }: { leadId: string; email: string }): Promise<LeadData> {
      const normal = normaliseEmail(email);
      const domain = domainOf(normal);
      const [mx, duplicateOf] = await Promise.all([
        checkMx(domain, deps.mxTimeoutMs ?? 3000),
        duplicates.claimEmail(normal, leadId),
      ]);
      const data: LeadData = { email: normal, domain, freeMail: isFreeMailDomain(domain), mx, duplicateOf };
      log.info({ leadId, domain, mx, duplicateOf }, 'lead data collected');
      return data;
    },

    /**
     * Marks the lead closed in the address index (won, lost or disqualified): a message from the
     * address then reaches a newer open lead first, and an explicit new id may start a new deal for
     * the person (README "One lead per person"). Idempotent; InvalidInputError for a bad address.
     */
    async indexLeadClosed({
      leadId,
      email,
      createdAt,
    }: {
      leadId: string;
      email: string;
      createdAt: string;
    }): Promise<void> {
      try {
        await addresses.setStatus(email, leadId, 'closed', Date.parse(createdAt) || Date.now());
      } catch (err) {
        // the script refused its input or the stored entry: retrying cannot help
        if (/^ERR (invalid|status|corrupt)/.test((err as Error).message ?? ''))
          throw new InvalidInputError((err as Error).message);
        throw err;
      }
    },

    /** The company behind `domain` from the enrichment provider (cached). */
    async enrichCompany({ domain }: { domain: string }): Promise<EnrichCompanyResult> {
      if (!provider) return { status: 'not_configured' };
      const result = await provider.lookup(domain);
      return result.status === 'ok' ? { status: 'ok', company: result.company } : { status: 'not_found' };
    },
  };
}
