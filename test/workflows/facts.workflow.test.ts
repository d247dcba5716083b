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
    args: [
      {
        lead: {
          id: 'facts-1',
          email: 'f1@example.com',
          owner: 'alice',
          team: 'alpha',
          source: 'fair',
          timezone: 'UTC',
          locale: 'en',
          value: 700,
          currency: 'EUR',
          tags: [],
        },
      },
    ],
  });
  for (const to of ['preparation', 'presentation', 'approach'])
    await h.executeUpdate(moveStageUpdate, { args: [{ to, actor: 'alice' }] });
  await h.executeUpdate(markLostUpdate, { args: [{ reason: 'no budget', actor: 'alice' }] });
  await h.result();

  const calls = activities.recordLeadFacts.mock.calls.map((c) => c[0]).filter((f) => f.id === 'facts-1');
  const seqs = calls.map((f) => f.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(new Set(seqs).size).toBe(seqs.length);
  const last = calls[calls.length - 1];
  expect(last).toMatchObject({
    status: 'lost',
    stage: 'approach',
    team: 'alpha',
    source: 'fair',
    value: 700,
    currency: 'EUR',
    industry: 'unknown',
    size: 'unknown',
  });
  expect(last.closedAt).not.toBeNull();
  expect(last.visits.map((v) => v.stage)).toEqual(['prospecting', 'preparation', 'presentation', 'approach']);
  expect(last.visits.every((v) => v.leftAt !== null)).toBe(true);
  const state = await h.query(stateQuery);
  expect(state.factsSeq).toBe(last.seq);
});

/** A lead with value 0 (what a lead created without a value gets). */
const startLead = (id: string) =>
  getEnv().client.workflow.start(leadWorkflow, {
    taskQueue,
    workflowId: `lead-${id}`,
    args: [
      {
        lead: {
          id,
          email: `${id}@example.com`,
          owner: 'alice',
          team: 'alpha',
          timezone: 'UTC',
          locale: 'en',
          value: 0,
          currency: 'USD',
          tags: [],
        },
      },
    ],
  });

const history = async (h: {
  query: (q: typeof stateQuery) => Promise<{ history: { type: string; cause: string }[] }>;
}) => (await h.query(stateQuery)).history.filter((e) => e.type === 'automation_failed').map((e) => e.cause);

test('facts the store refuses fail once, go on the timeline, and the lead still walks every stage, is lost and completes', async () => {
  const { ApplicationFailure } = await import('@temporalio/common');
  const before = activities.recordLeadFacts.getMockImplementation();
  activities.recordLeadFacts.mockImplementation(async (f: LeadFacts) => {
    if (f.id === 'facts-refused')
      throw ApplicationFailure.create({
        type: 'FactsRefused',
        message: 'lead facts refused: value: a number ≥ 0',
        nonRetryable: true,
      });
    return true;
  });
  try {
    const h = await startLead('facts-refused');
    for (const to of ['preparation', 'approach', 'presentation', 'objections', 'closing'])
      await h.executeUpdate(moveStageUpdate, { args: [{ to, actor: 'alice' }] });
    await h.executeUpdate(markLostUpdate, { args: [{ reason: 'went quiet', actor: 'alice' }] });
    expect(await h.result()).toMatchObject({ status: 'lost', stage: 'closing' });
    const calls = activities.recordLeadFacts.mock.calls.map((c) => c[0]).filter((f) => f.id === 'facts-refused');
    // never retried: one call per seq
    expect(new Set(calls.map((f) => f.seq)).size).toBe(calls.length);
    expect(calls[calls.length - 1]).toMatchObject({ status: 'lost' });
    const failures = await history(h);
    expect(failures.length).toBe(calls.length);
    expect(failures[0]).toMatch(/^metrics facts \(seq 1\) not recorded: FactsRefused: lead facts refused/);
  } finally {
    activities.recordLeadFacts.mockImplementation(before ?? (async () => true));
  }
});

test('a facts write that keeps failing is given up after a bounded number of attempts; the lead closes', async () => {
  const { FACTS_MAX_ATTEMPTS } = await import('../../workflows/facts');
  const before = activities.recordLeadFacts.getMockImplementation();
  activities.recordLeadFacts.mockImplementation(async (f: LeadFacts) => {
    if (f.id === 'facts-down') throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    return true;
  });
  try {
    const h = await startLead('facts-down');
    await h.executeUpdate(markLostUpdate, { args: [{ reason: 'duplicate', actor: 'alice' }] });
    expect(await h.result()).toMatchObject({ status: 'lost' });
    const calls = activities.recordLeadFacts.mock.calls.map((c) => c[0]).filter((f) => f.id === 'facts-down');
    const bySeq = new Map<number, number>();
    for (const f of calls) bySeq.set(f.seq, (bySeq.get(f.seq) ?? 0) + 1);
    expect(bySeq.size).toBeGreaterThan(0);
    expect([...bySeq.values()].every((n) => n === FACTS_MAX_ATTEMPTS)).toBe(true);
    expect((await history(h)).some((c) => /not recorded: .*ECONNREFUSED/.test(c))).toBe(true);
  } finally {
    activities.recordLeadFacts.mockImplementation(before ?? (async () => true));
  }
});
