/**
 * Per-API-key rate limiting (SPEC §7's 429): a token bucket per key in this process — `limit`
 * requests per minute, with bursts up to `limit`. Each API replica limits on its own (documented in
 * CONFIG.md); the public survey/unsubscribe pages and the signed inbound webhook are not limited
 * here. `limit` 0 switches it off.
 */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  readonly statusCode = 429;
  constructor(readonly retryAfterSeconds: number) {
    super(`too many requests for this API key; retry in ${retryAfterSeconds} s`);
  }
}

export class KeyRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`, or throws RateLimitedError with the wait until the next one. */
  take(key: string): void {
    if (this.perMinute <= 0) return;
    const now = this.now();
    const ratePerMs = this.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * ratePerMs);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) throw new RateLimitedError(Math.max(1, Math.ceil((1 - b.tokens) / ratePerMs / 1000)));
    b.tokens -= 1;
    if (this.buckets.size > 10_000) this.prune(now);
  }

  /** Forgets full buckets (a key not seen for a minute is full again anyway). */
  private prune(now: number): void {
    for (const [k, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(k);
  }
}
