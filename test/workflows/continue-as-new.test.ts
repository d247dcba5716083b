/**
 * Continue-as-new keeps the lead's state: a dev server with the suggest threshold lowered to a few
 * dozen events, a lead driven past it, and the new run carrying on with the same stage, history,
 * tasks and search attributes.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startTemporalDevServer } from '../../devstack/services';
import { leadWorkflow } from '../../workflows/lead.workflow';
import { logActivityUpdate, moveStageUpdate, stateQuery } from '../../workflows/messages';
import { SA } from '../../workflows/search-attributes';
import type { NewTask, Task } from '../../store/tasks/task';
import { workflowSource } from '../support/time-skipping';
import { activityMocks } from '../support/activity-mocks';

jest.setTimeout(180_000);

let server: Awaited<ReturnType<typeof startTemporalDevServer>>;
let client: Client;
let worker: Worker;
let running: Promise<void>;
const mocks = activityMocks();
const createTask = jest.fn(async (t: NewTask): Promise<Task> => ({
  ...t,
  status: 'open',
  createdAt: new Date().toISOString(),
}));

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-can-'));
  server = await startTemporalDevServer({
    dbFile: path.join(dir, 'temporal.db'),
    logDir: dir,
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 60 },
  });
  client = new Client({ connection: await Connection.connect({ address: server.address }) });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: server.address }),
    taskQueue: 'can',
    ...workflowSource(),
    activities: { ...mocks, createTask },
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await client?.connection.close();
  await server?.stop();
});

test('a lead continues as new when the server suggests it and keeps its whole state', async () => {
  const h = await client.workflow.start(leadWorkflow, {
    taskQueue: 'can',
    workflowId: 'lead-long-lived',
    args: [
      {
        lead: {
          id: 'long-lived',
          email: 'l@example.com',
          owner: 'alice',
          team: 'alpha',
          timezone: 'UTC',
          locale: 'en',
          value: 100,
          currency: 'USD',
          tags: ['vip'],
        },
      },
    ],
  });
  const firstRun = h.firstExecutionRunId;
  await h.executeUpdate(moveStageUpdate, { args: [{ to: 'preparation', actor: 'alice' }] });
  let state = await h.query(stateQuery);
  let logged = 0;
  for (let i = 0; i < 40 && state.runs === 1; i++) {
    await h.executeUpdate(logActivityUpdate, { args: [{ type: 'note', note: `note ${i}`, actor: 'alice' }] });
    logged++;
    state = await h.query(stateQuery);
  }
  expect(state.runs).toBeGreaterThanOrEqual(2);
  const d = await h.describe();
  expect(d.runId).not.toBe(firstRun);
  expect(d.status.name).toBe('RUNNING');

  // the new run has everything the old one had
  expect(state.stage).toBe('preparation');
  expect(state.tags).toEqual(['vip']);
  const notes = state.history.filter((e) => e.type === 'activity_logged');
  expect(notes).toHaveLength(logged); // every note logged before the new run is still there
  expect(logged).toBeGreaterThan(0);
  expect(notes.map((n) => n.cause)).toEqual(notes.map((_, i) => `note logged by alice: note ${i}`));
  expect(state.history[0]).toMatchObject({ type: 'created' });
  expect(state.history.some((e) => e.type === 'continued_as_new')).toBe(true);
  expect(state.tasks.map((t) => t.id)).toEqual(['long-lived.2.research']);
  // the research step is done and is not repeated by the new run
  expect(createTask).toHaveBeenCalledTimes(1);
  expect(d.typedSearchAttributes.get(SA.stage)).toBe('preparation');

  // and it still takes moves
  await h.executeUpdate(moveStageUpdate, { args: [{ to: 'closing', actor: 'alice' }] });
  expect((await h.query(stateQuery)).stage).toBe('closing');

  // the facts seq keeps rising across runs, and the visits travel with the state
  const facts = async () => mocks.recordLeadFacts.mock.calls.map((c) => c[0]).filter((f) => f.id === 'long-lived');
  for (let i = 0; i < 50 && (await facts()).slice(-1)[0]?.stage !== 'closing'; i++)
    await new Promise((r) => setTimeout(r, 100));
  const written = await facts();
  const seqs = written.map((f) => f.seq);
  expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
  expect(written.slice(-1)[0].visits.map((v) => v.stage)).toEqual(['prospecting', 'preparation', 'closing']);
});
