/**
 * The company-enrichment HTTP provider (README "What happens to a lead" prospecting, `ENRICHMENT_URL`).
 *
 * Contract: `GET ${ENRICHMENT_URL}/companies?domain=<domain>`
 *   200 JSON `{ name?, employees?, industry?, country?, website? }` → a company profile
 *       (validated with zod: unknown fields dropped, strings cleaned and cut to length, a field of
 *       the wrong type dropped; a body that is not a JSON object is the provider's fault → unavailable);
 *   404 → the provider does not know the domain;
 *   anything else, a timeout or no connection → EnrichmentUnavailableError (retryable).
 *
 * Answers are cached in Redis at `<prefix>enrich:<domain>`: profiles for 7 days, misses for 1 day.
 * Failures are never cached.
 */
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { toOneLine } from '../../workflows/policy/text';
import { InvalidInputError } from '../../store/errors';
import { EnrichmentUnavailableError } from './errors';
import { normaliseDomain } from '../../store/enrichment/normalise';

export interface CompanyProfile {
  name?: string;
  employees?: number;
  industry?: string;
  country?: string;
  website?: string;
}

export type CompanyLookup = { status: 'ok'; company: CompanyProfile } | { status: 'not_found' };

const DEFAULT_CACHE_TTL_SECONDS = 7 * 86_400;
const DEFAULT_MISS_TTL_SECONDS = 86_400;
const DEFAULT_PROVIDER_TIMEOUT_MS = 5_000;
const MAX_BODY_BYTES = 256 * 1024;

/** A string cleaned to one line and cut to `max` characters; anything else (or empty) is dropped. */
const text = (max: number) =>
  z
    .string()
    .transform((s) => toOneLine(s).slice(0, max))
    .transform((s) => (s === '' ? undefined : s))
    .optional()
    .catch(undefined);

const website = z
  .string()
  .trim()
  .max(300)
  .refine((s) => /^https?:\/\/[^\s]+$/i.test(s) && URL.canParse(s), 'not an http(s) URL')
  .optional()
  .catch(undefined);

const companyProfileSchema = z.object({
  name: text(200),
  employees: z.number().int().min(0).max(10_000_000).optional().catch(undefined),
  industry: text(100),
  country: text(60),
  website,
});

/** Drops the keys whose value is undefined, so the profile is plain JSON. */
function compact(profile: z.infer<typeof companyProfileSchema>): CompanyProfile {
  const out: CompanyProfile = {};
  for (const [key, value] of Object.entries(profile)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

const cachedSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('ok'), company: companyProfileSchema }),
  z.object({ status: z.literal('not_found') }),
]);

export interface EnrichmentProviderOptions {
  redis: Redis;
  prefix: string;
  /** ENRICHMENT_URL, e.g. https://enrich.example.com/v1 */
  baseUrl: string;
  log?: Logger;
  timeoutMs?: number;
  ttlSeconds?: number;
  missTtlSeconds?: number;
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`response larger than ${max} bytes`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`response larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createEnrichmentProvider(opts: EnrichmentProviderOptions) {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS;
  const ttl = opts.ttlSeconds ?? DEFAULT_CACHE_TTL_SECONDS;
  const missTtl = opts.missTtlSeconds ?? DEFAULT_MISS_TTL_SECONDS;
  const cacheKey = (domain: string) => `${opts.prefix}enrich:${domain}`;

  async function readCache(domain: string): Promise<CompanyLookup | undefined> {
    const raw = await opts.redis.get(cacheKey(domain));
    if (raw === null) return undefined;
    try {
      const parsed = cachedSchema.safeParse(JSON.parse(raw));
      if (parsed.success) {
        return parsed.data.status === 'ok'
          ? { status: 'ok', company: compact(parsed.data.company) }
          : { status: 'not_found' };
      }
    } catch {
      // a corrupt entry is as good as none
    }
    return undefined;
  }

  /** Asks the provider, bypassing the cache. */
  async function fetchCompany(domain: string): Promise<CompanyLookup> {
    const url = `${base}/companies?domain=${encodeURIComponent(domain)}`;
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, { signal, headers: { accept: 'application/json', 'user-agent': 'dealflow-enrichment' } });
    } catch (err) {
      throw new EnrichmentUnavailableError(
        `enrichment provider unreachable for ${domain}: ${describe(err, timeoutMs)}`,
        undefined,
        { cause: err },
      );
    }
    if (res.status === 404) {
      await res.body?.cancel().catch(() => undefined);
      return { status: 'not_found' };
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new EnrichmentUnavailableError(`enrichment provider answered HTTP ${res.status} for ${domain}`, res.status);
    }
    let body: unknown;
    try {
      body = JSON.parse(await readCapped(res, MAX_BODY_BYTES));
    } catch (err) {
      throw new EnrichmentUnavailableError(
        `enrichment provider sent an unreadable answer for ${domain}: ${describe(err, timeoutMs)}`,
        200,
        { cause: err },
      );
    }
    const parsed = companyProfileSchema.safeParse(body);
    if (!parsed.success || typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new EnrichmentUnavailableError(
        `enrichment provider sent something other than a company object for ${domain}`,
        200,
      );
    }
    return { status: 'ok', company: compact(parsed.data) };
  }

  return {
    fetchCompany,

    /** The cached answer, or the provider's (then cached). Throws EnrichmentUnavailableError when the provider fails. */
    async lookup(domainInput: string): Promise<CompanyLookup & { cached: boolean }> {
      const domain = normaliseDomain(domainInput);
      if (!domain) throw new InvalidInputError(`not a domain: ${JSON.stringify(String(domainInput).slice(0, 100))}`);
      const hit = await readCache(domain);
      if (hit) return { ...hit, cached: true };
      const result = await fetchCompany(domain);
      const at = new Date().toISOString();
      await opts.redis.set(
        cacheKey(domain),
        JSON.stringify({ ...result, at }),
        'EX',
        result.status === 'ok' ? ttl : missTtl,
      );
      opts.log?.info({ domain, status: result.status }, 'enrichment provider answered');
      return { ...result, cached: false };
    },
  };
}
