/**
 * The one concurrency pool of dealflow, on p-limit: bulk enrolment (campaign activities), the
 * signal pager (signal-matching.ts) and `dealflow bench` use it. p-limit 3 is the CommonJS line of
 * p-limit: dealflow compiles to CommonJS and jest's module runtime cannot require the ESM-only 4+.
 */
import pLimit from 'p-limit';

/**
 * Runs `fn` over every item, at most `concurrency` (≥ 1) at a time, and resolves when all have
 * finished. Rejects with the first error; items already queued still run.
 */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  const limit = pLimit(Math.max(1, Math.floor(concurrency)));
  await Promise.all(items.map((item, i) => limit(() => fn(item, i))));
}
