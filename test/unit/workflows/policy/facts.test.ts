/** The lead facts derived from a lead's state (workflows/policy/facts.ts). */
import {
  enterVisit,
  factsSignature,
  leadFacts,
  sizeBucket,
  visitsFromHistory,
  type FactsSource,
} from '../../../../workflows/policy/facts';
import type { StageVisit } from '../../../../workflows/types';

const base = (o: Partial<FactsSource> = {}): FactsSource => ({
  id: 'x',
  team: 'alpha',
  owner: 'alice',
  value: 1000,
  currency: 'EUR',
  stage: 'prospecting',
  status: 'open',
  escalation: { level: 0 },
  enrichment: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  emails: [],
  history: [],
  visits: [{ stage: 'prospecting', enteredAt: '2026-01-01T00:00:00.000Z', leftAt: null }],
  ...o,
});

test('size buckets from the employee count', () => {
  expect([1, 10, 11, 50, 51, 200, 201, 1000, 1001].map(sizeBucket)).toEqual([
    '1-10',
    '1-10',
    '11-50',
    '11-50',
    '51-200',
    '51-200',
    '201-1000',
    '201-1000',
    '1000+',
  ]);
  expect([undefined, null, 0, -3, NaN, '12'].map(sizeBucket)).toEqual(Array(6).fill('unknown'));
});

test('industry and size come from the enrichment profile; unknown without one', () => {
  expect(leadFacts(base(), 1)).toMatchObject({
    industry: 'unknown',
    size: 'unknown',
    source: null,
    campaign: null,
    wonAmount: null,
    closedAt: null,
    firstEmailAt: null,
  });
  const f = leadFacts(
    base({ enrichment: { domain: 'acme.test', company: { industry: ' Software ', employees: 120 } } }),
    2,
  );
  expect(f).toMatchObject({ seq: 2, industry: 'software', size: '51-200' });
});

test('a won lead keeps its win time as closedAt after completing; firstEmailAt is the earliest email', () => {
  const visits: StageVisit[] = [];
  enterVisit(visits, 'closing', '2026-01-02T00:00:00.000Z');
  enterVisit(visits, 'follow_up', '2026-01-05T00:00:00.000Z');
  const f = leadFacts(
    base({
      stage: 'follow_up',
      status: 'completed',
      closedAt: '2026-04-01T00:00:00.000Z',
      wonAmount: 900,
      visits,
      emails: [{ sentAt: '2026-01-06T00:00:00.000Z' }, { sentAt: '2026-01-03T00:00:00.000Z' }],
    }),
    3,
  );
  expect(f).toMatchObject({
    closedAt: '2026-01-05T00:00:00.000Z',
    completedAt: '2026-04-01T00:00:00.000Z',
    wonAmount: 900,
    firstEmailAt: '2026-01-03T00:00:00.000Z',
    emailsSent: 2,
  });
  expect(f.visits[0]).toEqual({
    stage: 'closing',
    enteredAt: '2026-01-02T00:00:00.000Z',
    leftAt: '2026-01-05T00:00:00.000Z',
  });
});

test('a lost lead is in no stage any more: its last visit ends when it was lost', () => {
  const f = leadFacts(base({ status: 'lost', closedAt: '2026-01-03T00:00:00.000Z' }), 1);
  expect(f.visits).toEqual([
    { stage: 'prospecting', enteredAt: '2026-01-01T00:00:00.000Z', leftAt: '2026-01-03T00:00:00.000Z' },
  ]);
});

test('visits are rebuilt from the history of a lead that kept none', () => {
  const h = (at: string, type: string, to?: string) =>
    ({ at, type, to, actor: 'x', cause: 'x' }) as FactsSource['history'][number];
  const v = visitsFromHistory(
    base({
      visits: undefined,
      history: [
        h('2026-01-01T00:00:00Z', 'created', 'prospecting'),
        h('2026-01-02T00:00:00Z', 'stage_changed', 'approach'),
        h('2026-01-03T00:00:00Z', 'lost'),
      ],
    }),
  );
  expect(v).toEqual([
    { stage: 'prospecting', enteredAt: '2026-01-01T00:00:00Z', leftAt: '2026-01-02T00:00:00Z' },
    { stage: 'approach', enteredAt: '2026-01-02T00:00:00Z', leftAt: '2026-01-03T00:00:00Z' },
  ]);
});

test('the signature changes with what the facts depend on, not with history noise', () => {
  const s = base();
  const sig = factsSignature(s);
  expect(factsSignature({ ...s, history: [{ at: 'x', type: 'automation', actor: 'x', cause: 'x' }] })).toBe(sig);
  expect(factsSignature({ ...s, escalation: { level: 2 } })).not.toBe(sig);
  expect(factsSignature({ ...s, emails: [{ sentAt: 'x' }] })).not.toBe(sig);
  expect(factsSignature({ ...s, enrichment: { company: { employees: 5 } } })).not.toBe(sig);
});
