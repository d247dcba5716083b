/** The one concurrency pool (store/in-parallel.ts, on p-limit): bound, completeness, errors. */
import { inParallel } from '../../../store/in-parallel';

/** A task that yields a few times so tasks overlap, recording how many run at once. */
function tracker() {
  let running = 0;
  let peak = 0;
  const seen: number[] = [];
  const task = async (item: number) => {
    running += 1;
    peak = Math.max(peak, running);
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    seen.push(item);
    running -= 1;
  };
  return { task, seen, peak: () => peak };
}

describe('inParallel', () => {
  it.each([1, 3, 16])('runs every item and never more than %d at once', async (n) => {
    const t = tracker();
    const items = Array.from({ length: 40 }, (_, i) => i);
    await inParallel(items, n, t.task);
    expect([...t.seen].sort((a, b) => a - b)).toEqual(items);
    expect(t.peak()).toBe(n);
  });

  it('treats a concurrency below one as one', async () => {
    const t = tracker();
    await inParallel([1, 2, 3], 0, t.task);
    expect(t.peak()).toBe(1);
    expect(t.seen).toHaveLength(3);
  });

  it('passes the index and rejects with the first error', async () => {
    const indexes: number[] = [];
    await expect(
      inParallel(['a', 'b', 'c'], 2, async (item, i) => {
        indexes.push(i);
        if (item === 'b') throw new Error('b failed');
      }),
    ).rejects.toThrow('b failed');
    expect(indexes.sort()).toEqual([0, 1, 2]);
  });

  it('resolves at once for no items', async () => {
    await expect(inParallel([], 4, async () => undefined)).resolves.toBeUndefined();
  });
});
