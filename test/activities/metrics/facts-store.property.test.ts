/**
 * Property: whatever sequence of lead changes reaches the facts store — creates, moves forward and
 * back, wins, losses, disqualifications, value, currency and escalation changes, writes repeated,
 * retried with the same seq or arriving late with a lower one — every board counter and index entry
 * equals a recomputation from scratch over the latest snapshot of each lead. Runs against the real
 * Redis of the test stack (fast-check, a bounded number of runs).
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import Redis from 'ioredis';
import { STAGES, type Stage } from '../../../config/defaults';
import { cellName, FactsStore } from '../../../store/metrics/facts-store';
import type { LeadFacts } from '../../../workflows/policy/facts';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL!, { maxRetriesPerRequest: 2 });
});
afterAll(() => redis.disconnect());

const DIGITS: Record<string, number> = { USD: 2, JPY: 0, BHD: 3, EUR: 2 };
const CURRENCIES = Object.keys(DIGITS);
const TEAMS = ['alpha', 'beta', 'a|b'];
const LEADS = ['l1', 'l2', 'l3', 'l4', 'l5', 'created'];

/** A value as the API could hand it: missing, 0, whole, fractional to the currency's digits, very large. */
type Amount = { kind: 'missing' } | { kind: 'minor'; minor: number };
const amount: fc.Arbitrary<Amount> = fc.oneof(
  fc.constant<Amount>({ kind: 'missing' }),
  fc.constant<Amount>({ kind: 'minor', minor: 0 }),
  fc.integer({ min: 1, max: 10_000_000 }).map<Amount>((minor) => ({ kind: 'minor', minor })),
  fc.integer({ min: 1, max: 500_000_000_000_000 }).map<Amount>((minor) => ({ kind: 'minor', minor })), // up to 5e14 minor units
);

type Op =
  | { op: 'create'; lead: string; team: string; stage: Stage; currency: string; amount: Amount }
  | { op: 'move'; lead: string; to: Stage }
  | { op: 'won'; lead: string; amount: Amount }
  | { op: 'lost' | 'disqualify' | 'complete'; lead: string }
  | { op: 'value'; lead: string; amount: Amount; currency: string }
  | { op: 'escalate'; lead: string; level: number }
  | { op: 'duplicate'; lead: string }
  | { op: 'late'; lead: string; back: number };

const lead = fc.constantFrom(...LEADS);
const create = fc.record({
  op: fc.constant('create' as const),
  lead,
  team: fc.constantFrom(...TEAMS),
  stage: fc.constantFrom(...STAGES.slice(0, 6)),
  currency: fc.constantFrom(...CURRENCIES),
  amount,
});
const ops: fc.Arbitrary<Op> = fc.oneof(
  create,
  fc.record({ op: fc.constant('move' as const), lead, to: fc.constantFrom(...STAGES.slice(0, 6)) }),
  fc.record({ op: fc.constant('won' as const), lead, amount }),
  fc.record({ op: fc.constantFrom('lost' as const, 'disqualify' as const, 'complete' as const), lead }),
  fc.record({ op: fc.constant('value' as const), lead, amount, currency: fc.constantFrom(...CURRENCIES) }),
  fc.record({ op: fc.constant('escalate' as const), lead, level: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ op: fc.constant('duplicate' as const), lead }),
  fc.record({ op: fc.constant('late' as const), lead, back: fc.integer({ min: 1, max: 4 }) }),
);

const major = (a: Amount, currency: string): number | undefined =>
  a.kind === 'missing' ? undefined : a.minor / 10 ** DIGITS[currency];

function base(id: string, team: string, stage: Stage, currency: string, value: number | undefined): LeadFacts {
  return {
    id,
    seq: 1,
    team,
    owner: 'rep',
    source: null,
    industry: 'unknown',
    size: 'unknown',
    campaign: null,
    value: value as number,
    currency,
    stage,
    status: 'open',
    escalationLevel: 0,
    createdAt: '2026-03-01T00:00:00.000Z',
    closedAt: null,
    completedAt: null,
    wonAmount: null,
    firstEmailAt: null,
    emailsSent: 0,
    visits: [],
  };
}

test('every counter equals a recomputation from scratch after any sequence of writes', async () => {
  await fc.assert(
    // a few leads created first, then any mix (creating more on the way)
    fc.asyncProperty(
      fc.array(create, { minLength: 1, maxLength: 6 }),
      fc.array(ops, { minLength: 5, maxLength: 60, size: 'max' }),
      async (first, rest) => {
        const sequence: Op[] = [...first, ...rest];
        const prefix = `test-prop-${crypto.randomBytes(5).toString('hex')}:`;
        const store = new FactsStore(redis, prefix);
        const sent = new Map<string, LeadFacts[]>(); // every snapshot of a lead, in seq order
        /** what the store must hold: for each lead the snapshot with the highest seq written */
        const latest = new Map<string, LeadFacts>();
        const send = async (f: LeadFacts) => {
          const written = await store.write(f);
          const cur = latest.get(f.id);
          expect(written).toBe(!cur || f.seq > cur.seq);
          if (written) latest.set(f.id, f);
        };
        const next = async (id: string, change: (f: LeadFacts) => void) => {
          const all = sent.get(id);
          if (!all) return;
          const f = structuredClone(all[all.length - 1]);
          if (f.status === 'lost' || f.status === 'disqualified' || f.status === 'completed') return; // closed for good
          change(f);
          f.seq += 1;
          all.push(f);
          await send(f);
        };
        for (const o of sequence) {
          switch (o.op) {
            case 'create':
              if (sent.has(o.lead)) break;
              sent.set(o.lead, [base(o.lead, o.team, o.stage, o.currency, major(o.amount, o.currency))]);
              await send(sent.get(o.lead)![0]);
              break;
            case 'move':
              await next(o.lead, (f) => {
                if (f.status === 'open') {
                  f.stage = o.to;
                  f.escalationLevel = 0;
                }
              });
              break;
            case 'won':
              await next(o.lead, (f) => {
                if (f.status !== 'open') return;
                if (o.amount.kind === 'minor') f.value = major(o.amount, f.currency)!;
                Object.assign(f, {
                  status: 'won',
                  stage: 'follow_up',
                  wonAmount: f.value ?? 0,
                  closedAt: '2026-03-02T00:00:00.000Z',
                  escalationLevel: 0,
                });
              });
              break;
            case 'lost':
            case 'disqualify':
              await next(o.lead, (f) => {
                if (f.status === 'open')
                  Object.assign(f, {
                    status: o.op === 'lost' ? 'lost' : 'disqualified',
                    closedAt: '2026-03-03T00:00:00.000Z',
                  });
              });
              break;
            case 'complete':
              await next(o.lead, (f) => {
                if (f.status === 'won')
                  Object.assign(f, { status: 'completed', completedAt: '2026-03-04T00:00:00.000Z' });
              });
              break;
            case 'value':
              await next(o.lead, (f) => {
                f.currency = o.currency;
                f.value = major(o.amount, o.currency) as number;
              });
              break;
            case 'escalate':
              await next(o.lead, (f) => {
                f.escalationLevel = o.level;
              });
              break;
            case 'duplicate': {
              const all = sent.get(o.lead);
              if (all) await send(all[all.length - 1]); // the same seq retried
              break;
            }
            case 'late': {
              const all = sent.get(o.lead);
              if (all) await send(all[Math.max(0, all.length - 1 - o.back)]); // a lower seq arriving late
              break;
            }
          }
        }

        // recompute from scratch: integer minor units per (team, stage, currency)
        const want: Record<string, number> = {};
        const add = (field: string, n: number) => (want[field] = (want[field] ?? 0) + n);
        for (const f of latest.values()) {
          if (f.status !== 'open' && f.status !== 'won') continue;
          const c = cellName(f.team, f.stage, f.currency);
          add(`${c}|count`, 1);
          add(`${c}|minor`, Math.round((f.value ?? 0) * 10 ** DIGITS[f.currency]));
          if (f.escalationLevel === 2) add(`${c}|atRisk`, 1);
          if (f.escalationLevel >= 3) add(`${c}|stalled`, 1);
        }
        const stored = await redis.hgetall(`${prefix}facts:#board`);
        const nonZero = (o: Record<string, string | number>) =>
          Object.fromEntries(
            Object.entries(o)
              .map(([k, v]) => [k, Number(v)])
              .filter(([, v]) => v !== 0),
          );
        expect(nonZero(stored)).toEqual(nonZero(want));
        expect(Object.values(stored).every((v) => Number(v) >= 0)).toBe(true);
        // the board read agrees (values in major units, exact to the currency's digits)
        for (const cell of await store.board()) {
          const c = cellName(cell.team, cell.stage, cell.currency);
          expect(cell.count).toBe(want[`${c}|count`]);
          expect(Math.round(cell.value * 10 ** DIGITS[cell.currency])).toBe(want[`${c}|minor`] ?? 0);
        }
        // the indexes agree too: the reconcile finds nothing to repair
        const report = await store.reconcile({ repair: false });
        expect(report.drift).toEqual([]);
        expect((await redis.smembers(`${prefix}facts:active`)).sort()).toEqual(
          [...latest.values()]
            .filter((f) => f.status === 'open' || f.status === 'won')
            .map((f) => f.id)
            .sort(),
        );
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
      },
    ),
    { numRuns: 80 },
  );
});
