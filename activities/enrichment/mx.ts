/**
 * Does a domain accept email? A DNS check with c-ares (`dns.promises.Resolver`, the system's
 * servers), never the OS resolver (`getaddrinfo` reports "not found" when the network is down).
 *
 * - 'valid': an MX record, or no MX but an address record (RFC 5321 §5.1 implicit MX);
 * - 'none':  a null MX (RFC 7505), or a name that cannot exist, or NXDOMAIN / no data from a
 *            resolver that demonstrably works (it answers for the root zone): some resolvers
 *            answer NXDOMAIN for everything when they cannot reach upstream, and that is not a
 *            verdict on the domain;
 * - 'unknown': timeouts, refused connections, SERVFAIL, a resolver that answers nothing right.
 * Never throws; the whole check is bounded by `timeoutMs`.
 */
import { promises as dns } from 'node:dns';
import { normaliseDomain } from '../../store/enrichment/normalise';

export type MxStatus = 'valid' | 'none' | 'unknown';

/** A negative answer: the server responded and said the name (or the record type) does not exist. */
const NEGATIVE = new Set(['ENOTFOUND', 'ENODATA']);

type Outcome = 'yes' | 'no' | 'error';

const codeOf = (err: unknown) => (err as { code?: unknown } | null)?.code;

async function hasAddress(resolver: dns.Resolver, name: string): Promise<Outcome> {
  let outcome: Outcome = 'no';
  for (const lookup of [() => resolver.resolve4(name), () => resolver.resolve6(name)]) {
    try {
      if ((await lookup()).length > 0) return 'yes';
    } catch (err) {
      if (!NEGATIVE.has(codeOf(err) as string)) outcome = 'error';
    }
  }
  return outcome;
}

/** True when the resolver gives a real answer for a name that always exists (the root zone's NS). */
async function resolverWorks(resolver: dns.Resolver): Promise<boolean> {
  try {
    return (await resolver.resolveNs('.')).length > 0;
  } catch {
    return false;
  }
}

async function probe(resolver: dns.Resolver, name: string): Promise<MxStatus> {
  let code: unknown = 'ENODATA';
  try {
    const records = await resolver.resolveMx(name);
    if (records.some((r) => r.exchange !== '' && r.exchange !== '.')) return 'valid';
    if (records.length > 0) return 'none'; // null MX: the domain says it takes no mail
  } catch (err) {
    code = codeOf(err);
    if (code === 'EBADNAME') return 'none';
    if (!NEGATIVE.has(code as string)) return 'unknown';
  }
  if (code === 'ENODATA') {
    // The name exists without MX: its own address takes mail (implicit MX).
    const address = await hasAddress(resolver, name);
    if (address === 'yes') return 'valid';
    if (address === 'error') return 'unknown';
  }
  return (await resolverWorks(resolver)) ? 'none' : 'unknown';
}

export interface CheckMxOptions {
  /** DNS servers to ask instead of the system's ("127.0.0.1:5353"); for tests only. */
  servers?: string[];
}

export async function checkMx(domain: string, timeoutMs = 3000, options: CheckMxOptions = {}): Promise<MxStatus> {
  const name = normaliseDomain(typeof domain === 'string' ? domain : '');
  if (!name) return 'none';
  let timer: NodeJS.Timeout | undefined;
  let resolver: dns.Resolver | undefined;
  try {
    resolver = new dns.Resolver({ timeout: Math.max(1, Math.floor(timeoutMs)), tries: 1 });
    if (options.servers) resolver.setServers(options.servers);
    const r = resolver;
    const deadline = new Promise<MxStatus>((resolve) => {
      timer = setTimeout(() => {
        r.cancel();
        resolve('unknown');
      }, timeoutMs);
    });
    return await Promise.race([probe(r, name), deadline]);
  } catch {
    return 'unknown';
  } finally {
    if (timer) clearTimeout(timer);
  }
}
