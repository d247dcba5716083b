/** The per-key token bucket behind the API's 429 (a fake clock; no timing). */
import { KeyRateLimiter, RateLimitedError } from '../../../../client/api/rate-limit';

test('a key gets `limit` requests at once, then one more per 60/limit seconds; keys are independent', () => {
  let now = 1_000_000;
  const l = new KeyRateLimiter(60, () => now); // 1 per second
  for (let i = 0; i < 60; i++) l.take('a');
  expect(() => l.take('a')).toThrow(RateLimitedError);
  try {
    l.take('a');
  } catch (e) {
    expect((e as RateLimitedError).retryAfterSeconds).toBe(1);
    expect((e as RateLimitedError).statusCode).toBe(429);
  }
  l.take('b'); // another key is not affected
  now += 1000;
  l.take('a'); // refilled one
  expect(() => l.take('a')).toThrow(RateLimitedError);
  now += 120_000;
  for (let i = 0; i < 60; i++) l.take('a'); // never more than the burst
  expect(() => l.take('a')).toThrow(RateLimitedError);
});

test('0 switches it off', () => {
  const l = new KeyRateLimiter(0, () => 0);
  for (let i = 0; i < 10_000; i++) l.take('a');
});
