/**
 * The facts sync on the time-skipping server (activities mocked): every relevant change reaches
 * `recordLeadFacts` with a higher seq, a burst of moves ends with the latest snapshot, and the
 * final facts (lost, with the last visit ended) are written before the workflow completes.
 */
import { leadWorkflow } from '../../workflows/lead.workflow';
import { markLostUpdate, moveStageUpdate, stateQuery } from '../../workflows/messages';
import type { LeadFacts } from '../../workflows/policy/facts';
import { activityMocks } from '../support/activity-mocks';
import { useTimeSkippingWorker } from '../support/time-skipping';

const taskQueue = 'facts-workflow-test';
const activities = activityMocks();
const getEnv = useTimeSkippingWorker(taskQueue, activities);

test('facts follow the lead and the last snapshot is written before it completes', async () => {
  const h = await getEnv().client.workflow.start(leadWorkflow, {
    taskQueue,
    workflowId: 'lead-facts-1',
    args: [{ lead: { id: 'facts-1', email: 'f1@example.com', owner: 'alice', team: 'alpha', source: 'fair', timezone: 'UTC', locale: 'en', value: 700, currency: 'EUR', tags: [] } }],
  });
  for (const to of ['preparation', 'presentation', 'approach']) await h.executeUpdate(moveStageUpdate, { args: [{ to, actor: 'alice' }] });
  await h.executeUpdate(markLostUpdate, { args: [{ reason: 'no budget', actor: 'alice' }] });
  await h.result();

  const calls = activities.recordLeadFacts.mock.calls.map((c) => c[0] as LeadFacts).filter((f) => f.id === 'facts-1');
  const seqs = calls.map((f) => f.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(new Set(seqs).size).toBe(seqs.length);
  const last = calls[calls.length - 1];
  expect(last).toMatchObject({ status: 'lost', stage: 'approach', team: 'alpha', source: 'fair', value: 700, currency: 'EUR', industry: 'unknown', size: 'unknown' });
  expect(last.closedAt).not.toBeNull();
  expect(last.visits.map((v) => v.stage)).toEqual(['prospecting', 'preparation', 'presentation', 'approach']);
  expect(last.visits.every((v) => v.leftAt !== null)).toBe(true);
  const state = await h.query(stateQuery);
  expect(state.factsSeq).toBe(last.seq);
});
