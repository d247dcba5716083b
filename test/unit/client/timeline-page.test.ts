/**
 * One page of a lead's whole timeline (client/timeline.ts): the stored entries, then the state's
 * newest ones, each once by seq, oldest first; the cursor is the last seq; a lead that lost its
 * oldest entries before the store says how many on its first page.
 */
import { timelinePage } from '../../../client/timeline';
import type { TimelineEntry, TimelineStore } from '../../../store/timeline/timeline-store';
import { InvalidPageTokenError } from '../../../store/paging';
import type { HistoryEntry, LeadState } from '../../../workflows/types';

const entry = (i: number): HistoryEntry => ({
  at: new Date(1_700_000_000_000 + i).toISOString(),
  type: 'activity_logged',
  actor: 'alice',
  cause: `call ${i}`,
});

/** a store holding seq [from, to) */
function storeOf(from: number, to: number): TimelineStore {
  const all: TimelineEntry[] = [];
  for (let i = from; i < to; i++) all.push({ ...entry(i), seq: i });
  return {
    after: async (_id: string, after: number, limit: number) => all.filter((e) => e.seq > after).slice(0, limit),
  } as unknown as TimelineStore;
}
/** a state that trimmed `trimmed` entries and keeps `kept` after them */
const stateOf = (trimmed: number, kept: number): LeadState =>
  ({
    id: 'l',
    historyTrimmed: trimmed,
    history: Array.from({ length: kept }, (_, i) => entry(trimmed + i)),
  }) as unknown as LeadState;

async function walk(store: TimelineStore, state: LeadState, size: number) {
  const seqs: number[] = [];
  let cursor: string | undefined;
  let first: Awaited<ReturnType<typeof timelinePage>> | undefined;
  do {
    const page = await timelinePage(store, state, cursor, size);
    first ??= page;
    expect(page.items.length).toBeLessThanOrEqual(size);
    seqs.push(...page.items.map((e) => e.seq));
    cursor = page.nextPageToken;
  } while (cursor);
  return { seqs, first: first };
}

test('stored entries and the state overlap: every entry once, oldest first, across pages', async () => {
  // 1,300 stored; the state trimmed 1,000 and keeps 1,000..1,499 (300 of them also stored)
  const { seqs, first } = await walk(storeOf(0, 1300), stateOf(1000, 500), 170);
  expect(seqs).toEqual(Array.from({ length: 1500 }, (_, i) => i));
  expect(first.total).toBe(1500);
  expect(first.droppedBefore).toBeUndefined();
});

test('a page that ends exactly at the last entry has no next token', async () => {
  const page = await timelinePage(storeOf(0, 0), stateOf(0, 10), undefined, 10);
  expect(page.items.map((e) => e.seq)).toEqual([...Array(10).keys()]);
  expect(page.nextPageToken).toBeUndefined();
});

test('a lead that trimmed entries before the store starts at its first kept entry and says so', async () => {
  const { seqs, first } = await walk(storeOf(0, 0), stateOf(700, 500), 200);
  expect(seqs).toEqual(Array.from({ length: 500 }, (_, i) => 700 + i));
  expect(first.droppedBefore).toBe(700);
});

test('a cursor that is not a seq is an invalid page token', async () => {
  await expect(timelinePage(storeOf(0, 1), stateOf(0, 1), 'abc', 10)).rejects.toBeInstanceOf(InvalidPageTokenError);
});
