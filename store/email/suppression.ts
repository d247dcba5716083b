/**
 * The suppression list (docs/ARCHITECTURE.md §9): addresses that get no more lead email because they unsubscribed,
 * bounced or complained. One Redis hash, `<prefix>suppressed`: normalised address → JSON
 * `{ reason, at, leadId? }`. Shared by the send activity (check before every send), the unsubscribe
 * routes (add) and operators (remove). Internal mail to reps and managers never consults it.
 */
import type Redis from 'ioredis';
import { normaliseEmail } from '../enrichment/normalise';

const SUPPRESSION_REASONS = ['unsubscribed', 'bounced', 'complained'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface SuppressionEntry {
  reason: SuppressionReason;
  /** ISO-8601 UTC */
  at: string;
  leadId?: string;
}

/** The normalised address, or null for text that is not one (which no entry can hold). */
function addressOrNull(email: string): string | null {
  try {
    return normaliseEmail(email);
  } catch {
    return null;
  }
}

function parseEntry(raw: string | null): SuppressionEntry | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<SuppressionEntry>;
    const reason = SUPPRESSION_REASONS.includes(v.reason as SuppressionReason)
      ? (v.reason as SuppressionReason)
      : 'unsubscribed';
    return {
      reason,
      at: typeof v.at === 'string' ? v.at : new Date(0).toISOString(),
      ...(typeof v.leadId === 'string' ? { leadId: v.leadId } : {}),
    };
  } catch {
    // a hand-written value: the address is suppressed all the same
    return { reason: 'unsubscribed', at: new Date(0).toISOString() };
  }
}

export class SuppressionList {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix = 'dealflow:',
  ) {
    this.key = `${prefix}suppressed`;
  }

  /**
   * Suppresses an address. The first entry wins: adding an address that is already suppressed keeps
   * its original reason and time (an unsubscribe link clicked twice is one unsubscribe) and reports
   * `added: false`.
   */
  async add(
    email: string,
    opts: { reason: SuppressionReason; leadId?: string; at?: Date | string },
  ): Promise<{ added: boolean; entry: SuppressionEntry }> {
    const address = normaliseEmail(email);
    if (!address) throw new TypeError('an address to suppress is required');
    if (!SUPPRESSION_REASONS.includes(opts.reason))
      throw new TypeError(`unknown suppression reason "${String(opts.reason)}"`);
    const at = opts.at === undefined ? new Date().toISOString() : new Date(opts.at).toISOString();
    const entry: SuppressionEntry = { reason: opts.reason, at, ...(opts.leadId ? { leadId: opts.leadId } : {}) };
    const added = (await this.redis.hsetnx(this.key, address, JSON.stringify(entry))) === 1;
    if (added) return { added, entry };
    return { added, entry: (await this.get(address)) ?? entry };
  }

  async get(email: string): Promise<SuppressionEntry | null> {
    const address = addressOrNull(email);
    return address ? parseEntry(await this.redis.hget(this.key, address)) : null;
  }

  async isSuppressed(email: string): Promise<boolean> {
    const address = addressOrNull(email);
    return !!address && (await this.redis.hexists(this.key, address)) === 1;
  }

  /** Lifts a suppression (an operator's decision, e.g. a bounce that was a mailbox outage). */
  async remove(email: string): Promise<boolean> {
    const address = addressOrNull(email);
    return !!address && (await this.redis.hdel(this.key, address)) === 1;
  }
}
