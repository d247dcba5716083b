/**
 * Replays every recorded lead history (test/replay/histories/*.json, recorded from a real server by
 * scripts/record-histories.ts) against the current workflow code. A change that would break a
 * running lead — a reordered command, a removed timer — fails here as a nondeterminism error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowSource } from '../support/time-skipping';

const DIR = path.join(__dirname, 'histories');
const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(3);
});

test('every recorded history replays without nondeterminism', async () => {
  const histories = files.map((f) => ({
    workflowId: f.replace(/\.json$/, ''),
    history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'))),
  }));
  const results: { id: string; error?: string }[] = [];
  for await (const r of Worker.runReplayHistories({ ...workflowSource(), replayName: 'dealflow-replay' }, histories)) {
    results.push({ id: r.workflowId, error: r.error ? String(r.error) : undefined });
  }
  expect(results.map((r) => r.id).sort()).toEqual(histories.map((h) => h.workflowId).sort());
  expect(results.filter((r) => r.error)).toEqual([]);
});
