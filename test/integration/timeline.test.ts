/**
 * A lead's timeline is kept whole, whatever its length (README "A lead's timeline"; issue 17 item
 * 14): a lead with 2,000 logged calls continues as new (a dev server with the suggestion lowered),
 * keeps a small state, and GET /v1/leads/:id/timeline serves every entry, oldest → newest, each
 * once, while it runs and after it is closed.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import pLimit from 'p-limit';
import { startTemporalDevServer } from '../../devstack/services';
import { HISTORY_KEEP } from '../../config/defaults';
import { KEYS, startStack, eventually, type Stack } from '../support/stack';

jest.setTimeout(600_000);

let server: Awaited<ReturnType<typeof startTemporalDevServer>>;
let stack: Stack;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-timeline-'));
  server = await startTemporalDevServer({
    dbFile: path.join(dir, 't.db'),
    logDir: dir,
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 400 },
  });
  stack = await startStack({ config: { TEMPORAL_ADDRESS: server.address } });
});
afterAll(async () => {
  await stack?.stop();
  await server?.stop();
});

interface Entry {
  seq: number;
  type: string;
  cause: string;
}

async function wholeTimeline(
  id: string,
  key: string,
  pageSize: number,
): Promise<{ items: Entry[]; pages: number; total: number }> {
  const items: Entry[] = [];
  let token: string | undefined;
  let pages = 0;
  let total: number;
  do {
    const res = await stack.call(
      'GET',
      `/v1/leads/${id}/timeline?pageSize=${pageSize}${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`,
      key,
    );
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(pageSize);
    items.push(...res.body.items);
    total = res.body.total;
    token = res.body.nextPageToken;
    pages++;
  } while (token);
  return { items, pages, total };
}

const N = 2000;

test('a lead with 2,000 timeline entries is served whole through continue-as-new, running and closed', async () => {
  const { leads } = stack.runtime;
  const id = 'long-timeline';
  await leads.create({ id, email: 'long@example.com', owner: 'alice', team: 'alpha' }, 'test');
  await leads.create({ id: 'short-timeline', email: 'short@example.com', owner: 'alice', team: 'alpha' }, 'test');
  const limit = pLimit(5);
  await Promise.all(
    Array.from({ length: N }, (_, i) => limit(() => leads.logActivity(id, 'call', 'alice', `call ${i}`))),
  );

  // it continued as new on the way, and its state keeps no more than the keep limit
  const running = await eventually(
    async () => {
      const s = await leads.get(id);
      return s.runs > 1 && s.timelineStored !== undefined && s.timelineStored >= s.historyTrimmed + s.history.length - 5
        ? s
        : undefined;
    },
    120_000,
    'a new run with the timeline stored',
  );
  expect(running.runs).toBeGreaterThan(1);
  expect(running.history.length).toBeLessThanOrEqual(HISTORY_KEEP);
  expect(running.historyTrimmed).toBeGreaterThan(N - HISTORY_KEEP);

  const check = (items: Entry[], total: number) => {
    expect(items.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i));
    const calls = items
      .filter((e) => e.type === 'activity_logged')
      .map((e) => e.cause.replace(/^call logged by alice: /, ''));
    expect(calls).toHaveLength(N);
    expect(new Set(calls)).toEqual(new Set(Array.from({ length: N }, (_, i) => `call ${i}`)));
    expect(items[0].type).toBe('created');
    expect(items.filter((e) => e.type === 'continued_as_new').length).toBe(running.runs - 1);
  };
  const whileRunning = await wholeTimeline(id, KEYS.alice, 500);
  expect(whileRunning.total).toBeGreaterThanOrEqual(N + 1);
  expect(whileRunning.items).toHaveLength(whileRunning.total);
  expect(whileRunning.pages).toBeGreaterThan(4);
  check(whileRunning.items, whileRunning.total);

  // closed: the same timeline, and the closing on its end; a manager of another team may not read it
  await leads.lost(id, 'alice', 'went quiet');
  await stack.runtime.client.workflow.getHandle(`lead-${id}`).result();
  const closed = await wholeTimeline(id, KEYS.managerAlpha, 1000);
  check(closed.items, closed.total);
  expect(closed.items.slice(0, whileRunning.total)).toEqual(whileRunning.items);
  expect(closed.items[closed.items.length - 1].type).toMatch(/lost|task_cancelled|automation/);
  expect(closed.items.some((e) => e.type === 'lost')).toBe(true);
  expect((await stack.call('GET', `/v1/leads/${id}/timeline`, KEYS.managerBeta)).status).toBe(403);

  // a token is bound to its lead, and garbage is a 400 naming pageToken
  const first = await stack.call('GET', `/v1/leads/${id}/timeline?pageSize=10`, KEYS.admin);
  const other = await stack.call(
    'GET',
    `/v1/leads/short-timeline/timeline?pageToken=${encodeURIComponent(first.body.nextPageToken)}`,
    KEYS.admin,
  );
  expect(other.status).toBe(400);
  const bad = await stack.call('GET', `/v1/leads/${id}/timeline?pageToken=garbage`, KEYS.admin);
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain('pageToken');
});
