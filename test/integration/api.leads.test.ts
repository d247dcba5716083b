/**
 * The leads API against the real Temporal dev server and Redis: idempotent creation, stage moves
 * through the workflow's update, visibility listing, tasks, and every error status of README "HTTP API".
 */
import { KEYS, eventually, startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const lead = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  email: `${id}@example.com`,
  name: 'Ada Lovelace',
  company: 'Analytical Engines',
  owner: 'alice',
  value: 12000,
  currency: 'EUR',
  timezone: 'Europe/Berlin',
  ...extra,
});

describe('creating leads', () => {
  it('starts one workflow per lead, however often it is created', async () => {
    const first = await stack.call('POST', '/v1/leads', KEYS.managerAlpha, lead('dup-1'));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: 'dup-1', created: true });
    const again = await stack.call('POST', '/v1/leads', KEYS.marketing, lead('dup-1', { name: 'Someone else' }));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: 'dup-1', created: false });

    const runs = await stack.runtime.client.workflowService.listWorkflowExecutions({
      namespace: 'default',
      query: `WorkflowId = 'lead-dup-1'`,
    });
    await eventually(
      async () => {
        const r = await stack.runtime.client.workflowService.countWorkflowExecutions({
          namespace: 'default',
          query: `WorkflowId = 'lead-dup-1'`,
        });
        return Number(r.count) === 1;
      },
      20_000,
      'one execution in visibility',
    );
    expect(runs.executions.length).toBeLessThanOrEqual(1);
    const state = await stack.runtime.leads.get('dup-1');
    expect(state.name).toBe('Ada Lovelace');
    expect(state.history.filter((h) => h.type === 'created')).toHaveLength(1);
  });

  it('derives the id from the normalised email when none is given', async () => {
    const a = await stack.call('POST', '/v1/leads', KEYS.admin, { email: '  Grace@Example.COM ', team: 'beta' });
    const b = await stack.call('POST', '/v1/leads', KEYS.admin, { email: 'grace@example.com', team: 'beta' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(a.body.id).toBe(b.body.id);
    const state = await stack.runtime.leads.get(a.body.id);
    expect(state.email).toBe('grace@example.com');
    expect(['carol', 'dan']).toContain(state.owner);
  });

  it('answers 400 naming the field for bad input, and for unknown fields', async () => {
    const res = await stack.call('POST', '/v1/leads', KEYS.admin, {
      email: 'not-an-email',
      value: -5,
      timezone: 'Mars/Olympus',
      shoeSize: 42,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    const paths = res.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['email', 'shoeSize', 'timezone', 'value']);
  });

  it('refuses a rep (403) and a manager creating for another team (403)', async () => {
    expect((await stack.call('POST', '/v1/leads', KEYS.alice, lead('rep-made'))).status).toBe(403);
    expect((await stack.call('POST', '/v1/leads', KEYS.managerBeta, lead('beta-made'))).status).toBe(403);
  });
});

describe('authentication and authorisation', () => {
  it('answers 401 without a key or with a wrong one', async () => {
    const none = await stack.call('GET', '/v1/leads');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    expect((await stack.call('GET', '/v1/leads', 'wrong-key-123')).status).toBe(401);
  });

  it("answers 403 when a rep reads or moves another rep's lead", async () => {
    await stack.call('POST', '/v1/leads', KEYS.admin, lead('alices-lead'));
    expect((await stack.call('GET', '/v1/leads/alices-lead', KEYS.bob)).status).toBe(403);
    const move = await stack.call('POST', '/v1/leads/alices-lead/stage', KEYS.bob, { to: 'preparation' });
    expect(move.status).toBe(403);
    expect((await stack.call('GET', '/v1/leads/alices-lead', KEYS.managerBeta)).status).toBe(403);
    const state = await stack.runtime.leads.get('alices-lead');
    expect(state.stage).toBe('prospecting');
    // the check is the update validator's, against the lead's own owner: checked first, so an
    // illegal move by the wrong rep is a 403 too, and nothing of it is recorded
    expect((await stack.call('POST', '/v1/leads/alices-lead/stage', KEYS.bob, { to: 'follow_up' })).status).toBe(403);
    expect((await stack.call('POST', '/v1/leads/alices-lead/won', KEYS.marketing, {})).status).toBe(403);
    expect((await stack.call('POST', '/v1/leads/alices-lead/qualification', KEYS.bob, { budget: true })).status).toBe(
      403,
    );
    expect(
      (await stack.call('POST', '/v1/leads/alices-lead/stage', KEYS.managerAlpha, { to: 'preparation' })).status,
    ).toBe(200);
    expect((await stack.runtime.leads.get('alices-lead')).history.filter((h) => h.actor === 'bob')).toEqual([]);
  });

  it('a closed lead: 409 for whoever may act on it, 403 for anyone else', async () => {
    await stack.call('POST', '/v1/leads', KEYS.admin, lead('closed-one'));
    expect((await stack.call('POST', '/v1/leads/closed-one/lost', KEYS.alice, { reason: 'gone' })).status).toBe(200);
    await eventually(
      async () => (await stack.runtime.leads.handle('closed-one').describe()).status.name !== 'RUNNING',
      30_000,
      'the workflow to end',
    );
    expect((await stack.call('POST', '/v1/leads/closed-one/stage', KEYS.alice, { to: 'approach' })).status).toBe(409);
    expect((await stack.call('POST', '/v1/leads/closed-one/stage', KEYS.bob, { to: 'approach' })).status).toBe(403);
  });

  it('answers 404 for an unknown lead', async () => {
    const res = await stack.call('GET', '/v1/leads/nobody-here', KEYS.admin);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect((await stack.call('POST', '/v1/leads/nobody-here/stage', KEYS.admin, { to: 'approach' })).status).toBe(404);
  });
});

describe('moving a lead', () => {
  beforeAll(async () => {
    await stack.call('POST', '/v1/leads', KEYS.admin, lead('mover'));
  });

  it('moves through the update, records who and why, and lists by stage through visibility', async () => {
    const moved = await stack.call('POST', '/v1/leads/mover/stage', KEYS.alice, {
      to: 'presentation',
      note: 'demo booked',
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: 'mover', stage: 'presentation', status: 'open' });

    const got = await stack.call('GET', '/v1/leads/mover', KEYS.alice);
    expect(got.status).toBe(200);
    const change = got.body.history.find((h: { type: string }) => h.type === 'stage_changed');
    expect(change).toMatchObject({ from: 'prospecting', to: 'presentation', actor: 'alice' });
    expect(change.cause).toContain('demo booked');

    const listed = await eventually(
      async () => {
        const r = await stack.call('GET', '/v1/leads?stage=presentation', KEYS.managerAlpha);
        return r.body.items?.some((i: { id: string }) => i.id === 'mover') ? r : undefined;
      },
      20_000,
      'the lead listed in presentation',
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items.find((i: { id: string }) => i.id === 'mover')).toMatchObject({
      stage: 'presentation',
      owner: 'alice',
      team: 'alpha',
    });
    const prospecting = await stack.call('GET', '/v1/leads?stage=prospecting', KEYS.managerAlpha);
    expect(prospecting.body.items.some((i: { id: string }) => i.id === 'mover')).toBe(false);
  });

  it('answers 409 with the reason for an illegal move, and records nothing', async () => {
    const before = await stack.runtime.leads.get('mover');
    const res = await stack.call('POST', '/v1/leads/mover/stage', KEYS.alice, { to: 'follow_up' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/only by marking the deal won/);
    const after = await stack.runtime.leads.get('mover');
    expect(after.history).toHaveLength(before.history.length);
    expect(after.stage).toBe(before.stage);
  });

  it('answers 400 for an unknown stage, naming the field', async () => {
    const res = await stack.call('POST', '/v1/leads/mover/stage', KEYS.alice, { to: 'negotiation' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('to');
  });

  it('creates the stage task, lists it for the rep, and completing it counts as activity', async () => {
    const task = await eventually(
      async () => {
        const r = await stack.call('GET', '/v1/tasks', KEYS.alice);
        return r.body.items?.find((t: { leadId: string; kind: string }) => t.leadId === 'mover' && t.kind === 'demo');
      },
      20_000,
      'the demo task',
    );
    expect(task).toMatchObject({ assignee: 'alice', status: 'open', id: expect.stringMatching(/^mover\.\d+\.demo$/) });
    expect((await stack.call('POST', `/v1/tasks/${task.id}/complete`, KEYS.bob)).status).toBe(403);
    const done = await stack.call('POST', `/v1/tasks/${task.id}/complete`, KEYS.alice);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'done', completedBy: 'alice' });
    const state = await eventually(async () => {
      const s = await stack.runtime.leads.get('mover');
      return s.history.some((h) => h.type === 'task_completed') ? s : undefined;
    });
    expect(state.history.at(-1)).toMatchObject({ type: 'task_completed', actor: 'alice' });
    const open = await stack.call('GET', '/v1/tasks', KEYS.alice);
    expect(open.body.items.some((t: { id: string }) => t.id === task.id)).toBe(false);
  });

  it('won moves the deal to follow_up; a second won or any move is 409', async () => {
    const won = await stack.call('POST', '/v1/leads/mover/won', KEYS.alice, { amount: 15000 });
    expect(won.status).toBe(200);
    expect(won.body).toMatchObject({ stage: 'follow_up', status: 'won' });
    expect((await stack.call('POST', '/v1/leads/mover/won', KEYS.alice, {})).status).toBe(409);
    expect((await stack.call('POST', '/v1/leads/mover/stage', KEYS.alice, { to: 'closing' })).status).toBe(409);
    expect((await stack.call('POST', '/v1/leads/mover/lost', KEYS.alice, { reason: 'x' })).status).toBe(409);
  });

  it('lost closes the deal and cancels its open tasks', async () => {
    await stack.call('POST', '/v1/leads', KEYS.admin, lead('loser'));
    await stack.call('POST', '/v1/leads/loser/stage', KEYS.alice, { to: 'closing' });
    await eventually(async () => (await stack.runtime.tasks.forLead('loser')).length > 0);
    const lost = await stack.call('POST', '/v1/leads/loser/lost', KEYS.alice, { reason: 'went with a competitor' });
    expect(lost.status).toBe(200);
    expect(lost.body.status).toBe('lost');
    await eventually(
      async () => (await stack.runtime.tasks.forLead('loser')).every((t) => t.status === 'cancelled'),
      20_000,
      'tasks cancelled',
    );
    const shown = await stack.call('GET', '/v1/leads/loser', KEYS.alice);
    expect(shown.status).toBe(200);
    expect(shown.body.status).toBe('lost');
    expect((await stack.call('POST', '/v1/leads/loser/activities', KEYS.alice, { type: 'call' })).status).toBe(409);
  });

  it('disqualify closes the deal with its reason; a second close is a 409; another rep may not', async () => {
    await stack.call('POST', '/v1/leads', KEYS.admin, lead('unfit'));
    expect(
      (await stack.call('POST', '/v1/leads/unfit/disqualify', KEYS.bob, { reason: 'student project' })).status,
    ).toBe(403);
    expect((await stack.call('POST', '/v1/leads/unfit/disqualify', KEYS.alice, {})).status).toBe(400);
    const dq = await stack.call('POST', '/v1/leads/unfit/disqualify', KEYS.alice, { reason: 'student project' });
    expect(dq.status).toBe(200);
    expect(dq.body.status).toBe('disqualified');
    const shown = await stack.call('GET', '/v1/leads/unfit', KEYS.alice);
    expect(
      shown.body.history.some(
        (h: { type: string; cause: string }) => h.type === 'disqualified' && h.cause.includes('student project'),
      ),
    ).toBe(true);
    expect((await stack.call('POST', '/v1/leads/unfit/lost', KEYS.alice, { reason: 'x' })).status).toBe(409);
  });

  it('logs activities and replies in the history', async () => {
    await stack.call('POST', '/v1/leads', KEYS.admin, lead('chatty'));
    expect(
      (await stack.call('POST', '/v1/leads/chatty/activities', KEYS.alice, { type: 'call', note: 'left a voicemail' }))
        .status,
    ).toBe(200);
    expect((await stack.call('POST', '/v1/leads/chatty/activities', KEYS.alice, { type: 'fax' })).status).toBe(400);
    expect((await stack.call('POST', '/v1/leads/chatty/replied', KEYS.managerAlpha, {})).status).toBe(202);
    const s = await eventually(async () => {
      const st = await stack.runtime.leads.get('chatty');
      return st.history.some((h) => h.type === 'customer_replied') ? st : undefined;
    });
    expect(s.history.map((h) => h.type)).toEqual(expect.arrayContaining(['activity_logged', 'customer_replied']));
  });
});

describe('system routes', () => {
  it('serves health, readiness and the OpenAPI document', async () => {
    expect((await stack.call('GET', '/healthz')).status).toBe(200);
    const ready = await stack.call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toMatchObject({ temporal: { ok: true }, redis: { ok: true } });
    // this stack's SMTP_URL points at a closed port: reported, not gating (the API sends no email)
    expect(ready.body).toMatchObject({ status: 'degraded', checks: { smtp: { ok: false, gating: false } } });
    const docs = await stack.call('GET', '/openapi.json');
    expect(docs.body.openapi).toBe('3.1.0');
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining(['/v1/leads', '/v1/leads/{id}/stage', '/v1/tasks']),
    );
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once a key has used its requests per minute', async () => {
    const limited = await startStack({ worker: false, config: { API_RATE_LIMIT: '3' } });
    try {
      for (let i = 0; i < 3; i++) expect((await limited.call('GET', '/v1/me', KEYS.alice)).status).toBe(200);
      const res = await fetch(`${limited.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${KEYS.alice}` } });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
      expect((await limited.call('GET', '/v1/me', KEYS.bob)).status).toBe(200); // per key
      expect((await limited.call('GET', '/healthz')).status).toBe(200); // not on public routes
    } finally {
      await limited.stop();
    }
  });
});
