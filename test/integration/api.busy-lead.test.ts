/**
 * A busy lead (docs/ERRORS.md `lead_busy`): 50 clients log an activity on one lead at once, as a
 * dialer or a CRM sync does. Temporal holds at most 10 updates in flight per workflow; the API's
 * per-lead write lanes (client/lead-writes.ts) keep it under that, so no write is a 5xx and every
 * accepted write is on the lead's timeline. A write the API refuses is a 429 `lead_busy` with
 * Retry-After, never a 500.
 */
import { KEYS, startStack, type Stack } from '../support/stack';
import { LeadWriteLanes } from '../../client/lead-writes';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const WRITERS = 50;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

it('50 concurrent writers on one lead: no 5xx, every accepted write on the timeline', async () => {
  const created = await stack.call('POST', '/v1/leads', KEYS.admin, {
    id: 'busy-1',
    email: 'busy-1@example.com',
    name: 'Busy Lead',
    owner: 'alice',
    team: 'alpha',
  });
  expect(created.status).toBe(201);
  // the lead's workflow is running before the burst
  expect(
    (await stack.call('POST', '/v1/leads/busy-1/activities', KEYS.alice, { type: 'note', note: 'warm-up' })).status,
  ).toBe(200);

  const results = await Promise.all(
    Array.from({ length: WRITERS }, async (_, i) => {
      const t0 = performance.now();
      const res = await fetch(`${stack.baseUrl}/v1/leads/busy-1/activities`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.alice}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'call', note: `call ${i}` }),
      });
      const body = (await res.json()) as { error?: { code?: string } };
      return {
        i,
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        code: body?.error?.code,
        ms: performance.now() - t0,
      };
    }),
  );

  const accepted = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 429);
  expect(results.filter((r) => r.status >= 500)).toEqual([]);
  expect(accepted.length + refused.length).toBe(WRITERS);
  for (const r of refused) {
    expect(r.code).toBe('lead_busy');
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
  }

  const state = await stack.runtime.leads.get('busy-1');
  const logged = new Set(state.history.filter((h) => h.type === 'activity_logged').map((h) => h.cause));
  for (const r of accepted) expect(logged).toContain(`call logged by alice: call ${r.i}`);
  // nothing refused was written either
  for (const r of refused) expect(logged).not.toContain(`call logged by alice: call ${r.i}`);

  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  console.log(
    `${WRITERS} concurrent writers on one lead: ${accepted.length} accepted, ${refused.length} answered 429; ` +
      `latency p50 ${Math.round(percentile(ms, 50))} ms, p99 ${Math.round(percentile(ms, 99))} ms, max ${Math.round(ms[ms.length - 1])} ms`,
  );
});

describe('the per-lead write lanes', () => {
  it('run at most `inFlight` writes of one lead at a time, in arrival order, and other leads beside them', async () => {
    const lanes = new LeadWriteLanes(2, 10);
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const write = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      order.push(name);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return name;
    };
    const done = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => lanes.run('a', write(`a${i}`))),
      lanes.run('b', write('b0')),
    ]);
    expect(done).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'b0']);
    expect(most).toBe(3); // two of lead a, one of lead b
    expect(order.filter((n) => n.startsWith('a'))).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
    expect(lanes.busyLeads).toBe(0);
  });

  it('refuse a write with lead_busy when the lead already has `maxWaiting` waiting, and keep the others', async () => {
    const lanes = new LeadWriteLanes(1, 2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = lanes.run('a', () => gate);
    const waiting = [lanes.run('a', async () => 'w1'), lanes.run('a', async () => 'w2')];
    await expect(lanes.run('a', async () => 'w3')).rejects.toMatchObject({ code: 'lead_busy', retryAfterSeconds: 1 });
    release();
    await first;
    expect(await Promise.all(waiting)).toEqual(['w1', 'w2']);
  });
});
