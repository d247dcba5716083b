/**
 * The route × role × scope matrix (issue #11 fault 6) on the real stack. Every operation of the
 * OpenAPI document is called by every caller (admin, marketing, the alpha and beta managers, reps
 * alice, bob and carol, no key, a wrong key) with targets of each team and rep (a seeded alpha lead
 * and beta lead, tasks of each rep, each team's queue), and the test fails on any access wider than
 * the operation's `x-dealflow-access`:
 *   - a role the rule gives `none`, or a target outside the caller's team/rep, must be a 403;
 *   - a report or list a scoped caller may read must equal the admin's answer narrowed to the
 *     caller's team or rep (so an unscoped "company-wide" answer fails), and no scoped answer may
 *     name another team's team, reps, leads or tasks (so an unfiltered config document fails);
 *   - every route the server registers must be in the document with a rule (a new route without
 *     one fails here), and every query string and JSON body is strict (an unknown name is a 400
 *     naming it) unless the rule says why not.
 * One stack, calls in sequence.
 */
import { isDeepStrictEqual } from 'node:util';
import { documentOf, type Access, type Reach } from '../../client/api/openapi';
import { loadRoster } from '../../config/roster';
import { signToken } from '../../store/email/tokens';
import { KEYS, eventually, startStack, type Stack } from '../support/stack';
import { withMatrix } from '../../scripts/access-matrix';
import { signInbound } from '../../client/api/inbound-signature';
import fs from 'node:fs';

jest.setTimeout(600_000);

type Role = 'admin' | 'marketing' | 'manager' | 'rep';
interface Caller {
  name: string;
  key?: string;
  role?: Role;
  /** a manager's team or a rep's id */
  scope?: string;
  /** the team of a manager or rep */
  team?: string;
}
const CALLERS: Caller[] = [
  { name: 'admin', key: KEYS.admin, role: 'admin' },
  { name: 'marketing', key: KEYS.marketing, role: 'marketing' },
  { name: 'manager:alpha', key: KEYS.managerAlpha, role: 'manager', scope: 'alpha', team: 'alpha' },
  { name: 'manager:beta', key: KEYS.managerBeta, role: 'manager', scope: 'beta', team: 'beta' },
  { name: 'rep:alice', key: KEYS.alice, role: 'rep', scope: 'alice', team: 'alpha' },
  { name: 'rep:bob', key: KEYS.bob, role: 'rep', scope: 'bob', team: 'alpha' },
  { name: 'rep:carol', key: KEYS.carol, role: 'rep', scope: 'carol', team: 'beta' },
  { name: 'no key' },
  { name: 'wrong key', key: 'not-a-key-of-this-api' },
];
const ADMIN = CALLERS[0];

const roster = loadRoster('config/roster.demo.json');
const teamOfRep = (rep: string) => Object.entries(roster.teams).find(([, t]) => t.reps.some((r) => r.id === rep))?.[0];

/** What a request is about: a team ('*' = company-wide), a rep, or nothing in particular. */
interface Target {
  team?: string;
  rep?: string;
}
const LEADS = [
  { id: 'acc-a', email: 'acc.a@example.org', team: 'alpha', owner: 'alice' },
  { id: 'acc-b', email: 'acc.b@example.org', team: 'beta', owner: 'carol' },
];
const TASKS = [
  { id: 'acc-task-alice', leadId: 'acc-a', assignee: 'alice', team: 'alpha' },
  { id: 'acc-task-bob', leadId: 'acc-a', assignee: 'bob', team: 'alpha' },
  { id: 'acc-task-carol', leadId: 'acc-b', assignee: 'carol', team: 'beta' },
];
const QUEUE_TASKS = [
  { id: 'acc-queue-alpha', leadId: 'acc-a', assignee: 'queue:alpha', team: 'alpha' },
  { id: 'acc-queue-beta', leadId: 'acc-b', assignee: 'queue:beta', team: 'beta' },
];
const CAMPAIGN = 'acc-campaign';
let batchId = '';

/** Strings that, in an answer to a caller scoped to `team`, would be another team's data. */
function foreignMarkers(team: string): Set<string> {
  const out = new Set<string>();
  for (const [t, def] of Object.entries(roster.teams)) {
    if (t === team) continue;
    out.add(t);
    for (const r of def.reps) out.add(r.id);
  }
  for (const l of LEADS) if (l.team !== team) [l.id, l.email].forEach((x) => out.add(x));
  for (const k of [...TASKS, ...QUEUE_TASKS]) if (k.team !== team) out.add(k.id);
  return out;
}
function findMarker(value: unknown, markers: Set<string>, at = '$'): string | undefined {
  if (typeof value === 'string') return markers.has(value) ? `${at} = ${JSON.stringify(value)}` : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findMarker(value[i], markers, `${at}[${i}]`);
      if (hit) return hit;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (markers.has(k)) return `${at} has key ${JSON.stringify(k)}`;
      const hit = findMarker(v, markers, `${at}.${k}`);
      if (hit) return hit;
    }
  }
  return undefined;
}

// ---- requests ----
const PERIOD = { from: '2020-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };
/** Query parameters an operation needs to be answered at all (fixed periods so two answers compare). */
const BASE_QUERY: Record<string, Record<string, string>> = {
  'GET /v1/metrics/funnel': PERIOD,
  'GET /v1/metrics/segments': { by: 'team', ...PERIOD },
  'GET /v1/metrics/nps': PERIOD,
};
const repOf = (team: string | undefined) => (team === 'beta' ? 'carol' : 'alice');
/** A valid body for each operation that takes one; `team` is the probe's team (from its target). */
const BODIES: Record<string, (team?: string) => unknown> = {
  'POST /v1/leads': (team) => ({
    id: `acc-new-${team}`,
    email: `acc.new.${team}@example.org`,
    name: 'Acc New',
    team,
    owner: repOf(team),
    stage: 'presentation',
  }),
  // follow_up without a win is refused by the workflow (409) to whoever may act; the rest get a 403
  'POST /v1/leads/{id}/stage': () => ({ to: 'follow_up' }),
  'POST /v1/leads/{id}/activities': () => ({ type: 'note', note: 'access matrix' }),
  'POST /v1/leads/{id}/replied': () => ({}),
  'POST /v1/leads/{id}/qualification': () => ({ budget: true }),
  'POST /v1/leads/{id}/won': () => ({ amount: 1 }),
  'POST /v1/leads/{id}/lost': () => ({ reason: 'access matrix' }),
  'POST /v1/leads/{id}/disqualify': () => ({ reason: 'access matrix' }),
  'POST /v1/tasks/{id}/complete': () => ({}),
  'POST /v1/tasks/{id}/claim': (team) => ({ assignee: repOf(team) }),
  'PUT /v1/config/thresholds': (team) =>
    team === '*' ? { global: { approach: '7d' } } : { teams: { [team!]: { approach: '9d' } } },
  'PUT /v1/config/cadences': () => ({ cadences: {} }),
  'PUT /v1/config/webhooks': (team) => ({ teams: { [team!]: null } }),
  'PUT /v1/config/roster': () => ({ teams: roster.teams }),
  'PUT /v1/config/follow-up': () => ({ surveyAfter: '14d' }),
  'PUT /v1/config/forecast': () => ({ probabilities: { approach: 0.1 } }),
  'PUT /v1/config/rates': () => ({ base: 'EUR', rates: { USD: 0.9 } }),
  'PUT /v1/goals': (team) => ({ goals: [{ team, period: '2026', metric: 'newCustomers', target: 3 }] }),
  'POST /v1/campaigns': () => ({ id: 'acc-campaign-2', name: 'Access matrix two' }),
  'POST /v1/campaigns/{id}/pause': () => ({}),
  'POST /v1/campaigns/{id}/resume': () => ({}),
  'POST /v1/campaigns/{id}/cancel': () => ({}),
  'POST /v1/leads/bulk': () => [],
  'POST /v1/inbound/email': () => ({ from: 'nobody@example.org' }),
  'POST /s/{token}': () => ({ score: 9 }),
};
/** More probes of an operation: an existing lead of one team "created" again for the other (team '*': no manager may). */
const EXTRA_PROBES: Record<string, { body: unknown; target: Target; label: string }[]> = {
  'POST /v1/leads': LEADS.map((l) => {
    const other = l.team === 'alpha' ? 'beta' : 'alpha';
    return {
      body: { id: l.id, email: l.email, team: other, owner: repOf(other) },
      target: { team: '*' },
      label: `${l.id} again, for ${other}`,
    };
  }),
};
/** Body-scoped writes that can also be company-wide (a manager may never make those). */
const COMPANY_WIDE = new Set(['PUT /v1/config/thresholds']);

interface Probe {
  label: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  target: Target;
}
interface Operation {
  op: string;
  method: string;
  docPath: string;
  access: Access;
  hasBody: boolean;
}

function operations(): Operation[] {
  const doc = documentOf(stack.app);
  const out: Operation[] = [];
  for (const [docPath, ops] of Object.entries(doc.paths)) {
    for (const [m, o] of Object.entries(
      ops as Record<string, { requestBody?: unknown; 'x-dealflow-access'?: Access }>,
    )) {
      const op = `${m.toUpperCase()} ${docPath}`;
      if (!o['x-dealflow-access']) throw new Error(`${op} has no x-dealflow-access in client/api/openapi.ts`);
      out.push({
        op,
        method: m.toUpperCase(),
        docPath,
        access: o['x-dealflow-access'],
        hasBody: o.requestBody !== undefined,
      });
    }
  }
  // reads first: the writes below change the seeded leads and tasks (the checks still hold after)
  return out.sort((a, b) => Number(a.method !== 'GET') - Number(b.method !== 'GET'));
}

function probes(o: Operation, stack: Stack): Probe[] {
  const base = BASE_QUERY[o.op] ?? {};
  const a = o.access;
  let paths: { path: string; target: Target; label: string }[];
  const sub = (id: string) => o.docPath.replace(/\{[a-z]+\}/, encodeURIComponent(id));
  if (a.pathId === 'lead')
    paths = LEADS.map((l) => ({ path: sub(l.id), target: { team: l.team, rep: l.owner }, label: l.id }));
  else if (a.pathId === 'task')
    paths = TASKS.map((t) => ({ path: sub(t.id), target: { team: t.team, rep: t.assignee }, label: t.id }));
  else if (a.pathId === 'queue-task')
    paths = QUEUE_TASKS.map((t) => ({ path: sub(t.id), target: { team: t.team }, label: t.id }));
  else if (a.pathId === 'campaign') paths = [{ path: sub(CAMPAIGN), target: {}, label: CAMPAIGN }];
  else if (a.pathId === 'batch') paths = [{ path: sub(batchId), target: {}, label: 'batch' }];
  else if (o.docPath.includes('{token}')) {
    // a real token for a seeded lead, and a forged one (its signature from another secret)
    const p = o.docPath.startsWith('/u/') ? ('u' as const) : ('s' as const);
    paths = [
      {
        path: sub(signToken('another-secret-of-16+chars', { p, l: 'acc-a', e: 'acc.a@example.org' })),
        target: { team: '*' },
        label: 'forged token',
      },
      {
        path: sub(signToken(stack.config.SIGNING_SECRET, { p, l: 'acc-a', e: 'acc.a@example.org' })),
        target: {},
        label: 'valid token',
      },
    ];
  } else if (o.docPath.includes('{file}')) paths = [{ path: sub('no-such-file.css'), target: {}, label: 'a file' }];
  else if (/\{[a-z]+\}/.test(o.docPath))
    throw new Error(
      `${o.op}: the test does not know what its path parameter names; give it a pathId in x-dealflow-access`,
    );
  else paths = [{ path: o.docPath, target: {}, label: '' }];

  const bodyFor = o.hasBody ? BODIES[o.op] : undefined;
  if (o.hasBody && !bodyFor && !a.bodyIgnored)
    throw new Error(`${o.op} takes a body: add a valid one to BODIES in this test`);
  const out: Probe[] = [];
  for (const p of paths) {
    const queries: { query: Record<string, string>; target: Target; label: string }[] = [
      { query: base, target: p.target, label: p.label },
    ];
    if (a.scopeQuery) {
      for (const team of ['alpha', 'beta'])
        queries.push({
          query: { ...base, [a.scopeQuery.team]: team },
          target: { team },
          label: `${a.scopeQuery.team}=${team}`,
        });
      if (a.scopeQuery.rep)
        for (const rep of ['alice', 'carol'])
          queries.push({
            query: { ...base, [a.scopeQuery.rep]: rep },
            target: { team: teamOfRep(rep), rep },
            label: `${a.scopeQuery.rep}=${rep}`,
          });
    }
    for (const q of queries) {
      if (a.scopeBody) {
        for (const team of ['alpha', 'beta', ...(COMPANY_WIDE.has(o.op) ? ['*'] : [])])
          out.push({ path: p.path, query: q.query, body: bodyFor!(team), target: { team }, label: `body for ${team}` });
      } else
        out.push({ path: p.path, query: q.query, body: bodyFor?.(p.target.team), target: q.target, label: q.label });
    }
  }
  for (const extra of EXTRA_PROBES[o.op] ?? []) out.push({ path: paths[0].path, query: base, ...extra });
  if (a.auth === 'signature') {
    // well-formed and current, but not the body's MAC: a forgery (403)
    for (const pr of out)
      pr.headers = { 'x-dealflow-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` };
    out.push(...out.map((pr) => ({ ...pr, headers: {}, label: 'unsigned' })));
  }
  return out;
}

async function send(stack: Stack, method: string, p: Probe, key?: string): Promise<{ status: number; body: any }> {
  const qs = new URLSearchParams(p.query).toString();
  const res = await fetch(stack.baseUrl + p.path + (qs ? `?${qs}` : ''), {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(p.body !== undefined ? { 'content-type': 'application/json', accept: 'application/json' } : {}),
      ...p.headers,
    },
    body: p.body !== undefined ? JSON.stringify(p.body) : undefined,
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** Whether a caller of this reach may touch this target (README "HTTP API"). */
function inScope(c: Caller, reach: Reach, t: Target): boolean {
  if (reach === 'all') return true;
  if (reach === 'none') return false;
  if (t.team === '*') return false; // a company-wide change or answer
  const teamOk = t.team === undefined || t.team === c.team;
  if (c.role === 'manager' || reach === 'team') return teamOk && (t.rep === undefined || teamOfRep(t.rep) === c.team);
  return teamOk && (t.rep === undefined || t.rep === c.scope);
}

/** The admin's request for what a scoped caller may see: their team, or (where the list has one) their own rep parameter. */
function narrowed(c: Caller, a: Access, p: Probe): Probe {
  const q = { ...p.query };
  if (c.role === 'manager') q[a.scopeQuery!.team] ??= c.team!;
  if (c.role === 'rep' && a.scopeQuery!.rep) q[a.scopeQuery!.rep] ??= c.scope!;
  return { ...p, query: q };
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ config: { API_RATE_LIMIT: '0' } });
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await stack.call(method, path, KEYS.admin, body);
    if (r.status >= 300) throw new Error(`seeding ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  for (const l of LEADS)
    await call('POST', '/v1/leads', {
      id: l.id,
      email: l.email,
      name: l.id,
      team: l.team,
      owner: l.owner,
      stage: 'presentation',
      value: 1000,
    });
  const now = Date.now();
  for (const [i, t] of [...TASKS, ...QUEUE_TASKS].entries()) {
    await stack.runtime.tasks.create({
      ...t,
      kind: 'call',
      title: `Access matrix ${t.id}`,
      details: '',
      dueAt: new Date(now + i * 1000).toISOString(),
      priority: 'normal',
    });
  }
  // NPS answers of both teams (alpha: two promoters, beta: one detractor), as the survey page records them
  const prefix = stack.config.REDIS_PREFIX;
  for (const [lead, team, score] of [
    ['acc-a', 'alpha', 10],
    ['acc-x', 'alpha', 9],
    ['acc-b', 'beta', 2],
  ] as const) {
    await stack.runtime.redis.zadd(
      `${prefix}survey:answers`,
      now,
      JSON.stringify({ leadId: lead, team, owner: repOf(team), score, at: new Date(now).toISOString() }),
    );
    await stack.runtime.redis.zadd(`${prefix}survey:sent`, now, `${lead}|${team}`);
  }
  // team-keyed config of both teams
  await call('PUT', '/v1/config/thresholds', { teams: { alpha: { approach: '6d' }, beta: { approach: '8d' } } });
  await call('PUT', '/v1/goals', {
    goals: ['alpha', 'beta'].map((team) => ({ team, period: '2026', metric: 'leadsContacted', target: 10 })),
  });
  await call('PUT', '/v1/config/webhooks', {
    teams: Object.fromEntries(
      ['alpha', 'beta'].map((t) => [t, { url: `http://127.0.0.1:1/${t}`, secret: `secret-of-team-${t}-000000` }]),
    ),
  });
  await call('POST', '/v1/campaigns', { id: CAMPAIGN, name: 'Access matrix' });
  batchId = (await call('POST', '/v1/leads/bulk', [])).id;
  // both leads visible to the lists and counted on the board before any comparison
  await eventually(
    async () => {
      const ids = (await stack.call('GET', '/v1/leads', KEYS.admin)).body.items?.map((i: { id: string }) => i.id) ?? [];
      const board = (await stack.call('GET', '/v1/pipeline', KEYS.admin)).body;
      const presentation = board.stages?.find((s: { stage: string }) => s.stage === 'presentation')?.count;
      return LEADS.every((l) => ids.includes(l.id)) && presentation >= LEADS.length;
    },
    60_000,
    'the seeded leads in visibility and on the board',
  );
});
afterAll(async () => {
  await stack?.stop();
});

test('every route the server registers is in the OpenAPI document with an access rule, and every documented one is registered', () => {
  const documented = new Set(operations().map((o) => o.op));
  const registered = new Set(
    stack.app.registeredRoutes
      // the docs UI's own files (/docs, /docs/static/*, …) are not operations of the API
      .filter((r) => !r.hidden)
      .filter(
        (r) => r.method !== 'HEAD' || !stack.app.registeredRoutes.some((g) => g.method === 'GET' && g.url === r.url),
      )
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}').replace(/\/\*$/, '/{token}')}`),
  );
  expect(registered.size).toBeGreaterThan(50);
  expect([...registered].filter((r) => !documented.has(r))).toEqual([]);
  expect([...documented].filter((d) => !registered.has(d))).toEqual([]);
});

test("README's access matrix is the one rendered from the document (npx tsx scripts/access-matrix.ts)", () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  expect(withMatrix(readme, documentOf(stack.app))).toBe(readme);
});

test("the beta manager gets neither alpha's NPS nor the company's (issue #11 fault 6)", async () => {
  expect((await stack.call('GET', '/v1/metrics/nps?team=alpha', KEYS.managerBeta)).status).toBe(403);
  const own = await stack.call('GET', '/v1/metrics/nps', KEYS.managerBeta);
  expect(own.status).toBe(200);
  expect(own.body).toMatchObject({ team: 'beta', responses: 1, detractors: 1, nps: -100, surveysSent: 1 });
  expect((await stack.call('GET', '/v1/metrics/nps', KEYS.admin)).body).toMatchObject({
    team: null,
    responses: 3,
    promoters: 2,
    detractors: 1,
    surveysSent: 3,
  });
});

test('a manager reads only their own team of thresholds, webhooks, roster and goals, and of their audit logs', async () => {
  const th = (await stack.call('GET', '/v1/config/thresholds', KEYS.managerBeta)).body;
  expect(th.teams).toEqual({ beta: { approach: '8d' } });
  expect(th.global.approach).toBe('7d'); // what beta inherits stays visible
  const hist = (await stack.call('GET', '/v1/config/thresholds/history', KEYS.managerBeta)).body.items;
  expect(hist.length).toBeGreaterThan(0);
  expect(
    hist.every(
      (e: { old: { teams: object }; new: { teams: object } }) => !('alpha' in e.old.teams) && !('alpha' in e.new.teams),
    ),
  ).toBe(true);
  expect(Object.keys((await stack.call('GET', '/v1/config/roster', KEYS.managerBeta)).body.teams)).toEqual(['beta']);
  expect(Object.keys((await stack.call('GET', '/v1/config/webhooks', KEYS.managerBeta)).body.teams)).toEqual(['beta']);
  expect(
    (await stack.call('GET', '/v1/goals', KEYS.managerBeta)).body.goals.map((g: { team: string }) => g.team),
  ).toEqual(['beta']);
  expect(Object.keys((await stack.call('GET', '/v1/config/thresholds', KEYS.admin)).body.teams).sort()).toEqual([
    'alpha',
    'beta',
  ]);
});

/** A rep claims a queued task for themself: their claim names no assignee (naming another rep is a 403). */
function forCaller<P extends { body?: unknown }>(op: string, p: P, c: { role?: string }): P {
  return op === 'POST /v1/tasks/{id}/claim' && c.role === 'rep' ? { ...p, body: {} } : p;
}

test('every route × every caller × targets of each team and rep: no access wider than the documented matrix', async () => {
  const problems: string[] = [];
  let calls = 0;
  for (const o of operations()) {
    const a = o.access;
    for (const p of probes(o, stack)) {
      for (const c of CALLERS) {
        const res = await send(stack, o.method, forCaller(o.op, p, c), c.key);
        calls++;
        const where = `${o.op} [${p.label || 'no params'}] as ${c.name} → ${res.status}`;
        if (res.status >= 500) {
          problems.push(`${where}: a server error ${JSON.stringify(res.body).slice(0, 200)}`);
          continue;
        }
        if (a.auth === 'public') {
          if (res.status === 401 || res.status === 403) problems.push(`${where}: a public route refused`);
          continue;
        }
        if (a.auth === 'token') {
          if (p.label === 'forged token' && res.status !== 403) problems.push(`${where}: a forged token must be a 403`);
          continue;
        }
        if (a.auth === 'signature') {
          const want = p.label === 'unsigned' ? 401 : 403;
          if (res.status !== want) problems.push(`${where}: expected ${want}`);
          continue;
        }
        if (!c.role) {
          if (res.status !== 401) problems.push(`${where}: expected 401`);
          continue;
        }
        const reach = a.roles![c.role];
        const allowed = inScope(c, reach, p.target);
        if (!allowed) {
          if (res.status !== 403)
            problems.push(`${where}: expected 403 (${c.role}: ${reach}, target ${JSON.stringify(p.target)})`);
          continue;
        }
        if (res.status === 401 || res.status === 403) {
          problems.push(
            `${where}: refused, but the matrix lets ${c.role} (${reach}) do this: ${JSON.stringify(res.body)}`,
          );
          continue;
        }
        if (res.status !== 200 || reach === 'all') continue;
        // a scoped caller's answer: nothing of another team, and a report equal to the admin's for their scope
        const leak = findMarker(res.body, foreignMarkers(c.team!));
        if (leak) problems.push(`${where}: the answer shows another team's data: ${leak}`);
        if (a.scopeQuery && o.method === 'GET') {
          const theirs = narrowed(c, a, p);
          let same = false;
          for (let attempt = 0; attempt < 5 && !same; attempt++) {
            const before = await send(stack, o.method, theirs, ADMIN.key);
            const mine = await send(stack, o.method, p, c.key);
            const after = await send(stack, o.method, theirs, ADMIN.key);
            calls += 3;
            if (!isDeepStrictEqual(before.body, after.body)) continue; // the data moved between the calls: again
            same = isDeepStrictEqual(mine.body, before.body);
            if (!same) {
              problems.push(
                `${where}: the answer is not the admin's for ${JSON.stringify(theirs.query)}: ${JSON.stringify(mine.body).slice(0, 300)} ≠ ${JSON.stringify(before.body).slice(0, 300)}`,
              );
              break;
            }
          }
        }
      }
    }
  }
  expect(calls).toBeGreaterThan(800); // about 1 100 with today's document
  expect(problems).toEqual([]);
});

test('strict input: an unknown query parameter or body field is a 400 naming it, on every route that reads one', async () => {
  const problems: string[] = [];
  let checked = 0;
  const inboundSecret = stack.config.INBOUND_SECRET ?? stack.config.SIGNING_SECRET;
  for (const o of operations()) {
    const a = o.access;
    const [p] = probes(o, stack).filter((x) => x.label !== 'forged token' && x.label !== 'unsigned');
    const key = a.auth === 'key' ? ADMIN.key : undefined;
    const named = (res: { status: number; body: any }, name: string) =>
      res.status === 400 &&
      Array.isArray(res.body?.error?.details) &&
      res.body.error.details.some((d: { path: string }) => d.path === name || d.path.endsWith(`.${name}`));
    if (!a.queryIgnored) {
      const res = await send(stack, o.method, { ...p, query: { ...p.query, zzUnknownParam: '1' } }, key);
      checked++;
      if (!named(res, 'zzUnknownParam'))
        problems.push(`${o.op}: ?zzUnknownParam=1 → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    if (o.hasBody && !a.bodyIgnored && p.body && typeof p.body === 'object' && !Array.isArray(p.body)) {
      const body = { ...p.body, zzUnknownField: 1 };
      const headers =
        a.auth === 'signature'
          ? { 'x-dealflow-signature': signInbound(inboundSecret, JSON.stringify(body), Date.now() / 1000) }
          : p.headers;
      const res = await send(stack, o.method, { ...p, body, headers }, key);
      checked++;
      if (!named(res, 'zzUnknownField'))
        problems.push(`${o.op}: body field zzUnknownField → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
  }
  expect(checked).toBeGreaterThan(70);
  expect(problems).toEqual([]);
});
