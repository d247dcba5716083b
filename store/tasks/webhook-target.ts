/**
 * Where a team webhook may point (server-side request forgery guard; docs/CONFIG.md
 * `WEBHOOK_ALLOW_PRIVATE_HOSTS`). In production a webhook's host must be a public (global unicast)
 * address, or a name that resolves only to such addresses when the delivery is sent: private
 * (10/8, 172.16/12, 192.168/16, fc00::/7), loopback (127/8, ::1), link-local (169.254/16 with the
 * cloud metadata address, fe80::/10), carrier-grade NAT, unspecified, multicast, reserved and
 * IPv4-mapped/NAT64 forms of them are refused, unless the host is on the allow-list. Outside
 * production every target is allowed (the dev stack and the tests post to 127.0.0.1).
 *
 * The check runs twice: when the URL is stored (an IP literal or `localhost` is refused at once,
 * 400) and before each delivery (the name is resolved then, so a name later pointed at an internal
 * address is refused too).
 */
import dns from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

export interface WebhookTargetPolicy {
  /** true when NODE_ENV is production: only then are internal targets refused */
  enforce: boolean;
  /** hosts (names or addresses, lowercase) allowed even though they are internal */
  allow: ReadonlySet<string>;
}

/** The policy from the environment (NODE_ENV, WEBHOOK_ALLOW_PRIVATE_HOSTS: comma-separated hosts). */
export function webhookTargetPolicy(config: {
  NODE_ENV: string;
  WEBHOOK_ALLOW_PRIVATE_HOSTS: string;
}): WebhookTargetPolicy {
  const allow = new Set(
    config.WEBHOOK_ALLOW_PRIVATE_HOSTS.split(',')
      .map((h) => bareHost(h.trim()))
      .filter(Boolean),
  );
  return { enforce: config.NODE_ENV === 'production', allow };
}

/** `[::1]` → `::1`, lowercase, no trailing dot. */
function bareHost(host: string): string {
  return host
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

/** True for an address that is not global unicast (private, loopback, link-local, reserved…). */
export function isInternalAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true; // not an address we can classify: treat as internal
  // process() turns an IPv4-mapped IPv6 address (::ffff:10.0.0.1) into the IPv4 address it carries
  return ipaddr.process(address).range() !== 'unicast';
}

/**
 * Why this URL may not be stored as a webhook under the policy, or null when it may. Checks what is
 * known without a lookup: an IP literal, or the name `localhost` (and `*.localhost`).
 */
export function webhookUrlProblem(url: string, policy: WebhookTargetPolicy): string | null {
  if (!policy.enforce) return null;
  let host: string;
  try {
    host = bareHost(new URL(url).hostname);
  } catch {
    return 'must be an http or https URL';
  }
  if (policy.allow.has(host)) return null;
  if (host === 'localhost' || host.endsWith('.localhost'))
    return `${host} is a loopback host (allow it with WEBHOOK_ALLOW_PRIVATE_HOSTS)`;
  if (ipaddr.isValid(host) && isInternalAddress(host)) {
    return `${host} is a private, loopback or link-local address (allow it with WEBHOOK_ALLOW_PRIVATE_HOSTS)`;
  }
  return null;
}

type Lookup = (host: string) => Promise<string[]>;
const systemLookup: Lookup = async (host) =>
  (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Checks a webhook URL right before a delivery: the stored-URL rules, then every address its host
 * resolves to. Null when the delivery may go; else why not. A lookup failure is thrown (retryable).
 */
export async function webhookTargetProblem(
  url: string,
  policy: WebhookTargetPolicy,
  lookup: Lookup = systemLookup,
): Promise<string | null> {
  const stored = webhookUrlProblem(url, policy);
  if (stored || !policy.enforce) return stored;
  const host = bareHost(new URL(url).hostname);
  if (policy.allow.has(host) || ipaddr.isValid(host)) return null; // an allowed host, or a public literal checked above
  const internal = (await lookup(host)).filter(isInternalAddress);
  return internal.length
    ? `${host} resolves to ${internal.join(', ')}, a private, loopback or link-local address (allow it with WEBHOOK_ALLOW_PRIVATE_HOSTS)`
    : null;
}
