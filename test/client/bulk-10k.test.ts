/**
 * 10,000 CSV rows through BulkEnrolment.submit, streamed from a generator (the file never exists
 * whole), on the real Redis: the ten bad lines at known positions are rejected with reasons, the
 * 9,990 good rows are stored in order, and ONE enrolment workflow is started for them (the
 * Temporal client is a fake that records the start — enrolment itself is covered on the real
 * stack in test/integration/campaigns.test.ts).
 */
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import Redis from 'ioredis';
import type { Client } from '@temporalio/client';
import { BulkEnrolment, readCsv } from '../../client/bulk';
import { LeadsClient } from '../../client/leads';
import { TaskStore } from '../../store/tasks/task-store';
import { RosterIndex, loadRoster } from '../../config/roster';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL!, { maxRetriesPerRequest: 2, enableAutoPipelining: true });
});
afterAll(() => redis.disconnect());

const BAD = new Map<number, RegExp>([
  [2, /^email: /],
  [777, /^owner: /],
  [1500, /^locale: /],
  [2048, /^value: /],
  [3333, /wrong number of columns/],
  [5000, /^currency: /],
  [6001, /^timezone: /],
  [7777, /duplicate of line 7776/],
  [9000, /^phone: /],
  [10001, /^stage: /],
]);

function* csvLines(): Generator<string> {
  yield 'id,email,name,owner,locale,value,currency,timezone,phone,stage\n';
  for (let line = 2; line <= 10_001; line++) {
    const n = line === 7777 ? 7776 - 1 : line - 1;
    const row = [
      `big-${n}`,
      `big-${n}@bulk.test`,
      `Lead ${n}`,
      n % 2 ? 'alice' : 'carol',
      'en',
      String(n),
      'EUR',
      'UTC',
      '+1 555 0100',
      'approach',
    ];
    if (line === 2) row[1] = 'nope';
    if (line === 777) row[3] = 'ghost';
    if (line === 1500) row[4] = 'de';
    if (line === 2048) row[5] = 'a lot';
    if (line === 3333) row.pop();
    if (line === 5000) row[6] = 'euro';
    if (line === 6001) row[7] = 'Atlantis/Capital';
    if (line === 9000) row[8] = 'call me';
    if (line === 10001) row[9] = 'follow_up';
    yield row.join(',') + '\n';
  }
}

test('10,000 streamed rows: exactly the bad lines rejected, 9,990 stored, one enrolment workflow started', async () => {
  const prefix = `bulk10k-${crypto.randomBytes(3).toString('hex')}:`;
  const roster = new RosterIndex(loadRoster('config/roster.demo.json'));
  const starts: { workflowId: string; args: unknown[] }[] = [];
  const temporal = {
    workflow: { start: async (_t: string, o: { workflowId: string; args: unknown[] }) => void starts.push(o) },
  } as unknown as Client;
  const leads = new LeadsClient({
    client: temporal,
    taskQueue: 'q',
    namespace: 'default',
    redis,
    tasks: new TaskStore(redis, prefix),
    roster: () => roster,
    prefix,
  });
  const bulk = new BulkEnrolment({ leads, redis, temporal, prefix, taskQueue: 'q', ratePerSecond: 50 });
  let progressCalls = 0;
  const b = await bulk.submit(readCsv(Readable.from(csvLines())), { actor: 'test', onProgress: () => progressCalls++ });

  expect(b).toMatchObject({ status: 'running', total: 10_000, accepted: 9_990, rejectedCount: 10, enrolled: 0 });
  expect(b.rejected.map((r) => r.line)).toEqual([...BAD.keys()]);
  for (const r of b.rejected) expect(r.reason).toMatch(BAD.get(r.line)!);
  expect(progressCalls).toBeGreaterThanOrEqual(20); // a slice of 500 at a time

  const stored = await bulk.batches.rows(b.id, 0, 9_990);
  expect(stored).toHaveLength(9_990);
  expect(stored[0]).toMatchObject({
    id: 'big-2',
    email: 'big-2@bulk.test',
    owner: 'carol',
    team: 'beta',
    value: 2,
    stage: 'approach',
  });
  expect(new Set(stored.map((l) => l.id)).size).toBe(9_990);
  expect(starts).toEqual(
    [
      {
        taskQueue: 'q',
        workflowId: `batch-${b.id}`,
        args: [{ batchId: b.id, total: 9_990, ratePerSecond: 50, actor: 'test' }],
      },
    ].map(({ workflowId, args }) => expect.objectContaining({ workflowId, args })),
  );
});
