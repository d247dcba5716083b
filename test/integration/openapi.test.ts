/**
 * The OpenAPI document generated from the routes' zod schemas (README "HTTP API"), its docs UI, and
 * the one id rule (issue #17 item 6): what can be created can be addressed by every route, and ids
 * no client can address (`.`, `..`) are refused at creation.
 */
import http from 'node:http';
import SwaggerParser from '@apidevtools/swagger-parser';
import { documentOf, type Access } from '../../client/api/openapi';
import { KEYS, startStack, type Stack } from '../support/stack';

jest.setTimeout(300_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ config: { API_RATE_LIMIT: '0' } });
});
afterAll(async () => {
  await stack?.stop();
});

type Param = { name: string; in: string; schema?: Record<string, unknown> };
type Operation = {
  'x-dealflow-access'?: Access;
  parameters?: Param[];
  requestBody?: { content: Record<string, { schema: unknown }> };
};

describe('the document', () => {
  test('is a valid OpenAPI 3.1 document (swagger-parser)', async () => {
    const doc = JSON.parse(JSON.stringify(documentOf(stack.app)));
    await expect(SwaggerParser.validate(doc)).resolves.toBeDefined();
  });

  test('is served at /docs/openapi.json and /openapi.json, the same as the app builds it', async () => {
    const a = await stack.call('GET', '/docs/openapi.json');
    const b = await stack.call('GET', '/openapi.json');
    expect(a.status).toBe(200);
    expect(a.body.openapi).toBe('3.1.0');
    expect(b.body).toEqual(a.body);
    expect(a.body.paths['/v1/leads/{id}/stage'].post['x-dealflow-access']).toEqual({
      auth: 'key',
      roles: { admin: 'all', marketing: 'none', manager: 'team', rep: 'own' },
      pathId: 'lead',
    });
  });

  test('every registered route is an operation with its access rule (the docs UI files aside)', () => {
    const doc = documentOf(stack.app);
    const ops = new Set<string>();
    for (const [p, item] of Object.entries(doc.paths))
      for (const [m, o] of Object.entries(item))
        if ((o as Operation)['x-dealflow-access']) ops.add(`${m.toUpperCase()} ${p}`);
    const routes = stack.app.registeredRoutes
      .filter((r) => !r.hidden && r.method !== 'HEAD' && r.method !== 'OPTIONS')
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}').replace(/\/\*$/, '/{token}')}`);
    expect(routes.length).toBeGreaterThan(55);
    expect(routes.filter((r) => !ops.has(r))).toEqual([]);
    // the routes the hand-written document once missed
    for (const op of ['GET /v1/metrics/nps', 'PUT /v1/config/follow-up', 'POST /s/{token}', 'PUT /v1/config/roster'])
      expect(ops.has(op)).toBe(true);
  });

  test('types every parameter: enums, patterns, ranges', () => {
    const doc = documentOf(stack.app);
    const untyped: string[] = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [m, o] of Object.entries(item)) {
        for (const prm of (o as Operation).parameters ?? [])
          if (!prm.schema || Object.keys(prm.schema).length === 0) untyped.push(`${m} ${p} ${prm.name}`);
      }
    }
    expect(untyped).toEqual([]);
    const q = (path: string, name: string) =>
      (doc.paths[path].get.parameters as Param[]).find((x) => x.name === name)!.schema!;
    expect(q('/v1/leads', 'stage').enum).toContain('presentation');
    expect(q('/v1/leads', 'pageSize')).toMatchObject({ minimum: 1, maximum: 1000 });
    expect(q('/v1/metrics/segments', 'by').enum).toEqual(['source', 'industry', 'size', 'team']);
    const id = (doc.paths['/v1/leads/{id}'].get.parameters as Param[]).find((x) => x.name === 'id')!.schema!;
    expect(id).toMatchObject({ type: 'string', minLength: 1, maxLength: 128 });
    expect(new RegExp(id.pattern as string).test('..')).toBe(false);
    const move = (doc.paths['/v1/leads/{id}/stage'].post as Operation).requestBody!.content['application/json']
      .schema as { properties: { to: { enum: string[] } }; additionalProperties: boolean };
    expect(move.properties.to.enum).toContain('closing');
    expect(move.additionalProperties).toBe(false);
  });

  test('/docs is a Swagger UI under its own CSP; the web page keeps its strict one', async () => {
    // a client that does not ask for HTML gets the document itself at /docs
    const asJson = await fetch(`${stack.baseUrl}/docs`);
    expect(asJson.status).toBe(200);
    expect(((await asJson.json()) as { openapi: string }).openapi).toBe('3.1.0');
    const docs = await fetch(`${stack.baseUrl}/docs`, { redirect: 'follow', headers: { accept: 'text/html' } });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
    const docsCsp = docs.headers.get('content-security-policy')!;
    expect(docsCsp).toContain("script-src 'self'");
    expect(docsCsp).not.toContain("script-src 'self' 'unsafe-inline'");
    const page = await fetch(`${stack.baseUrl}/`);
    const pageCsp = page.headers.get('content-security-policy')!;
    expect(pageCsp).toContain("style-src 'self'");
    expect(pageCsp).not.toContain('unsafe-inline');
  });

  test('the page and its files are served from disk with validators (ETag, 304)', async () => {
    const index = await fetch(`${stack.baseUrl}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const js = /src="\/assets\/([^"]+)"/.exec(html)![1];
    const file = await fetch(`${stack.baseUrl}/assets/${js}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('cache-control')).toContain('immutable');
    // node:http, not fetch: fetch adds `cache-control: no-cache` to a conditional request (an end-to-end reload)
    const status = await new Promise<number>((resolve, reject) =>
      http
        .get(
          `${stack.baseUrl}/assets/${js}`,
          { headers: { 'if-none-match': file.headers.get('etag')! } },
          (res) => (res.resume(), resolve(res.statusCode!)),
        )
        .on('error', reject),
    );
    expect(status).toBe(304);
    expect((await fetch(`${stack.baseUrl}/assets/no-such-file.js`)).status).toBe(404);
    expect((await fetch(`${stack.baseUrl}/assets/index.html`)).status).toBe(404);
  });
});

describe('one id rule: what can be created can be addressed (issue #17 item 6)', () => {
  const lead = (id: string, n: number) => ({
    id,
    email: `ids.${n}@example.org`,
    name: 'Id Test',
    team: 'alpha',
    owner: 'alice',
  });

  test('a 128-character lead id is created and every lead route reaches it, percent-encoded or not', async () => {
    const id = `L${'a'.repeat(60)}:${'b'.repeat(66)}`;
    expect(id).toHaveLength(128);
    expect((await stack.call('POST', '/v1/leads', KEYS.admin, lead(id, 1))).status).toBe(201);
    for (const path of [`/v1/leads/${id}`, `/v1/leads/${encodeURIComponent(id)}`]) {
      const got = await stack.call('GET', path, KEYS.admin);
      expect([got.status, got.body.id]).toEqual([200, id]);
    }
    const act = await stack.call('POST', `/v1/leads/${encodeURIComponent(id)}/activities`, KEYS.admin, {
      type: 'note',
      note: 'long id',
    });
    expect(act.status).toBe(200);
    const q = await stack.call('POST', `/v1/leads/${id}/qualification`, KEYS.admin, { budget: true });
    expect(q.status).toBe(200);
  });

  test.each([
    ['129 characters', 'x'.repeat(129)],
    ['a dot', '.'],
    ['two dots', '..'],
    ['only dots', '...'],
    ['a slash', 'a/b'],
    ['a space', 'a b'],
  ])('a lead id of %s is refused at creation with a 400 naming id', async (_what, id) => {
    const res = await stack.call('POST', '/v1/leads', KEYS.admin, lead(id, 2));
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('id');
  });

  test('ids with dots that are not only dots are fine (a.b, .x)', async () => {
    for (const [i, id] of ['a.b', '.x'].entries()) {
      expect((await stack.call('POST', '/v1/leads', KEYS.admin, lead(id, 10 + i))).status).toBe(201);
      expect((await stack.call('GET', `/v1/leads/${id}`, KEYS.admin)).status).toBe(200);
    }
  });

  test('campaign ids follow the same rule: 128 characters reachable, dot-only refused', async () => {
    const id = `c${'1'.repeat(127)}`;
    expect((await stack.call('POST', '/v1/campaigns', KEYS.admin, { id, name: 'Long id' })).status).toBe(201);
    expect((await stack.call('GET', `/v1/campaigns/${id}`, KEYS.admin)).status).toBe(200);
    expect((await stack.call('POST', `/v1/campaigns/${id}/pause`, KEYS.admin, {})).status).toBe(200);
    for (const bad of ['.', '..', 'x'.repeat(129)]) {
      const res = await stack.call('POST', '/v1/campaigns', KEYS.admin, { id: bad, name: 'Bad id' });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.error.details)).toContain('"id"');
    }
  });

  test('a task id longer than 100 characters (a long lead id and its suffix) can be completed', async () => {
    const leadId = `T${'t'.repeat(127)}`;
    expect((await stack.call('POST', '/v1/leads', KEYS.admin, lead(leadId, 3))).status).toBe(201);
    const taskId = `${leadId}.1.stall2.l1.follow_up_call`;
    expect(taskId.length).toBeGreaterThan(150);
    await stack.runtime.tasks.create({
      id: taskId,
      leadId,
      assignee: 'alice',
      team: 'alpha',
      kind: 'call',
      title: 'Long id',
      details: '',
      dueAt: new Date().toISOString(),
      priority: 'normal',
    });
    const done = await stack.call('POST', `/v1/tasks/${encodeURIComponent(taskId)}/complete`, KEYS.alice, {});
    expect([done.status, done.body.id, done.body.status]).toEqual([200, taskId, 'done']);
    // over the task id maximum: a 400 naming id, not a 414
    const tooLong = await stack.call('POST', `/v1/tasks/${'z'.repeat(301)}/complete`, KEYS.alice, {});
    expect(tooLong.status).toBe(400);
  });

  test('a dot-only id in a path is a 400 naming it (it was never created)', async () => {
    const res = await stack.call('GET', '/v1/campaigns/...', KEYS.admin);
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('id');
  });
});

describe('a JSON body of the wrong kind is a 400 on every route that takes an object (issue #17 item 5, found by the fuzzer)', () => {
  test.each([
    ['a string', '"AAA"'],
    ['a number', '1'],
    ['a boolean', 'true'],
    ['null', 'null'],
    ['an array', '[]'],
  ])('%s', async (_what, raw) => {
    const doc = documentOf(stack.app);
    const wrong: string[] = [];
    let tried = 0;
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [m, o] of Object.entries(item)) {
        const op = o as Operation;
        const schema = op.requestBody?.content['application/json']?.schema as { type?: string } | undefined;
        if (op['x-dealflow-access']?.auth !== 'key' || schema?.type !== 'object' || p.includes('{')) continue;
        tried++;
        const res = await fetch(stack.baseUrl + p, {
          method: m.toUpperCase(),
          headers: { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'application/json' },
          body: raw,
        });
        if (res.status !== 400) wrong.push(`${m.toUpperCase()} ${p}: ${res.status}`);
      }
    }
    expect(tried).toBeGreaterThanOrEqual(10);
    expect(wrong).toEqual([]);
  });
});
