/**
 * The error vocabulary at the API (docs/ERRORS.md) against the real Temporal and Redis: a stage
 * move's refusal reaches the caller with its code and reason; odd input is a 4xx in the API's
 * error shape, never a 500 (page tokens, config bodies, encoded paths, media types, the framework's
 * own errors); a config write that changes nothing stores no version; a stale version is a 409.
 */
import { KEYS, startStack, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const lead = (id: string) => ({
  id,
  email: `${id}@example.com`,
  name: 'Ada Lovelace',
  company: 'Analytical Engines',
  owner: 'alice',
  team: 'alpha',
});

/** A raw request (no JSON encoding by the helper): status, headers and parsed body. */
async function raw(
  path: string,
  init: RequestInit & { key?: string } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(stack.baseUrl + path, {
    ...init,
    headers: {
      ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
      ...(init.headers as Record<string, string>),
    },
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

/** The API's error shape with this status and code. */
function expectError(r: { status: number; body: any }, status: number, code: string): void {
  expect({ status: r.status, code: r.body?.error?.code, message: typeof r.body?.error?.message }).toEqual({
    status,
    code,
    message: 'string',
  });
}

describe('move refusals reach the caller with their code', () => {
  beforeAll(async () => {
    expect((await stack.call('POST', '/v1/leads', KEYS.admin, lead('refuse-1'))).status).toBe(201);
    expect((await stack.call('POST', '/v1/leads', KEYS.admin, lead('refuse-2'))).status).toBe(201);
  });

  it('same_stage: moving to the stage the deal is in', async () => {
    const r = await stack.call('POST', '/v1/leads/refuse-1/stage', KEYS.alice, { to: 'prospecting' });
    expectError(r, 409, 'same_stage');
    expect(r.body.error.message).toBe('the deal is already in prospecting');
  });

  it('follow_up_only_by_won: moving into follow_up', async () => {
    const r = await stack.call('POST', '/v1/leads/refuse-1/stage', KEYS.alice, { to: 'follow_up' });
    expectError(r, 409, 'follow_up_only_by_won');
    expect(r.body.error.message).toBe('follow_up is entered only by marking the deal won');
  });

  it('closed: moving or closing a lost deal', async () => {
    expect((await stack.call('POST', '/v1/leads/refuse-2/lost', KEYS.alice, { reason: 'no budget' })).status).toBe(200);
    const move = await stack.call('POST', '/v1/leads/refuse-2/stage', KEYS.alice, { to: 'approach' });
    expect(move.status).toBe(409);
    expect(move.body.error.code).toBe('closed');
    const won = await stack.call('POST', '/v1/leads/refuse-2/won', KEYS.alice, {});
    expectError(won, 409, 'closed');
  });

  it('an unknown stage is a 400 naming the field, before the workflow is asked', async () => {
    const r = await stack.call('POST', '/v1/leads/refuse-1/stage', KEYS.alice, { to: 'warp' });
    expectError(r, 400, 'invalid_input');
    expect(r.body.error.details[0].path).toBe('to');
  });

  it('forbidden: a rep who does not own the lead', async () => {
    expectError(await stack.call('POST', '/v1/leads/refuse-1/stage', KEYS.bob, { to: 'approach' }), 403, 'forbidden');
  });
});

describe('page tokens', () => {
  it.each(['garbage', 'a.b', 'x'.repeat(300), '%%%', 'AAAA.' + 'A'.repeat(43)])(
    'a garbage pageToken %# on /v1/leads and /v1/tasks is a 400 for pageToken',
    async (token) => {
      for (const path of ['/v1/leads', '/v1/tasks?assignee=alice&']) {
        const sep = path.endsWith('&') ? '' : '?';
        const r = await stack.call('GET', `${path}${sep}pageToken=${encodeURIComponent(token)}`, KEYS.admin);
        expectError(r, 400, 'invalid_input');
        expect(r.body.error.details).toEqual([expect.objectContaining({ path: 'pageToken' })]);
      }
    },
  );

  it('a sealed token of another list (out of range for this one) is a 400', async () => {
    // a real token of the audit log is refused by the task list
    for (let i = 0; i < 2; i++)
      await stack.call('PUT', '/v1/config/forecast', KEYS.admin, { probabilities: { closing: 0.5 + i / 10 } });
    const page = await stack.call('GET', '/v1/config/forecast/history?pageSize=1', KEYS.admin);
    expect(page.body.nextPageToken).toEqual(expect.any(String));
    const r = await stack.call('GET', `/v1/tasks?assignee=alice&pageToken=${page.body.nextPageToken}`, KEYS.admin);
    expectError(r, 400, 'invalid_input');
  });
});

describe('config writes', () => {
  const puts: [string, string][] = [
    ['/v1/config/thresholds', KEYS.admin],
    ['/v1/config/forecast', KEYS.admin],
    ['/v1/config/rates', KEYS.admin],
    ['/v1/config/cadences', KEYS.admin],
    ['/v1/config/follow-up', KEYS.admin],
    ['/v1/config/roster', KEYS.admin],
    ['/v1/config/webhooks', KEYS.admin],
    ['/v1/goals', KEYS.admin],
  ];
  it.each(puts)(
    'PUT %s with a JSON string, number, boolean, null or array is a 400 naming the body, and stores nothing',
    async (path, key) => {
      const before = (await stack.call('GET', path === '/v1/goals' ? '/v1/goals/history' : `${path}/history`, key))
        .body;
      for (const body of ['"text"', '42', 'true', 'false', 'null', '[]', '[1,2]']) {
        const r = await raw(path, { method: 'PUT', key, headers: { 'content-type': 'application/json' }, body });
        expectError(r, 400, 'invalid_input');
        expect(r.body.error.details).toEqual([{ path: '(body)', message: expect.stringContaining('a JSON object') }]);
      }
      const after = (await stack.call('GET', path === '/v1/goals' ? '/v1/goals/history' : `${path}/history`, key)).body;
      expect(after.items.length).toBe(before.items.length);
    },
  );

  it('an empty thresholds PUT makes no new version: the current document is answered, no audit entry', async () => {
    const set = await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, { global: { approach: '6d' } });
    expect(set.status).toBe(200);
    const version = set.body.version;
    const hist = (await stack.call('GET', '/v1/config/thresholds/history', KEYS.admin)).body.items.length;
    for (const body of [{}, { global: {} }, { global: { approach: '6d' } }]) {
      const r = await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, body);
      expect(r.status).toBe(200);
      expect(r.body.version).toBe(version);
      expect(r.body.global.approach).toBe('6d');
    }
    expect((await stack.call('GET', '/v1/config/thresholds/history', KEYS.admin)).body.items.length).toBe(hist);
    expectError(
      await raw('/v1/config/thresholds', {
        method: 'PUT',
        key: KEYS.admin,
        headers: { 'content-type': 'application/json' },
        body: 'null',
      }),
      400,
      'invalid_input',
    );
  });

  it('every versioned config write that changes nothing stores no version', async () => {
    const f1 = await stack.call('PUT', '/v1/config/forecast', KEYS.admin, { probabilities: { closing: 0.75 } });
    const f2 = await stack.call('PUT', '/v1/config/forecast', KEYS.admin, { probabilities: { closing: 0.75 } });
    expect(f2.body.version).toBe(f1.body.version);
    const fu = await stack.call('PUT', '/v1/config/follow-up', KEYS.admin, {});
    expect(fu.status).toBe(200);
    expect(fu.body.version).toBe((await stack.call('GET', '/v1/config/follow-up', KEYS.admin)).body.version);
    expect((await stack.call('GET', '/v1/config/follow-up/history', KEYS.admin)).body.items).toEqual([]);
  });

  it('a write naming a stale version is 409 version_conflict and stores nothing', async () => {
    const cur = (await stack.call('GET', '/v1/config/thresholds', KEYS.admin)).body;
    const ok = await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, {
      version: cur.version,
      global: { approach: '8d' },
    });
    expect(ok.status).toBe(200);
    const stale = await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, {
      version: cur.version,
      global: { approach: '9d' },
    });
    expectError(stale, 409, 'version_conflict');
    expect((await stack.call('GET', '/v1/config/thresholds', KEYS.admin)).body).toMatchObject({
      version: ok.body.version,
      global: { approach: '8d' },
    });
  });
});

describe('paths, media types and the framework errors', () => {
  it('an encoded /v1 path is routed and authenticated like the plain one', async () => {
    expectError(await raw('/%76%31/leads'), 401, 'unauthorized');
    const r = await raw('/%76%31/leads', { key: KEYS.admin });
    expect(r.status).toBe(200);
    expect(r.body.leads ?? r.body.items).toEqual(expect.any(Array));
    expectError(await raw('/%76%31/config/roster', { key: KEYS.alice }), 403, 'forbidden');
  });

  it('a JSON route sent text/plain or text/csv is a 415', async () => {
    for (const type of ['text/plain', 'text/csv', 'application/xml']) {
      const r = await raw('/v1/leads', {
        method: 'POST',
        key: KEYS.admin,
        headers: { 'content-type': type },
        body: JSON.stringify(lead('plain-1')),
      });
      expectError(r, 415, 'unsupported_media_type');
    }
    const put = await raw('/v1/config/forecast', {
      method: 'PUT',
      key: KEYS.admin,
      headers: { 'content-type': 'text/plain' },
      body: '{"probabilities":{}}',
    });
    expectError(put, 415, 'unsupported_media_type');
  });

  it('bad JSON, a body too large, a bad URL, a parameter too long, no route: the API error shape', async () => {
    const bad = await raw('/v1/leads', {
      method: 'POST',
      key: KEYS.admin,
      headers: { 'content-type': 'application/json' },
      body: '{"id": ',
    });
    expectError(bad, 400, 'invalid_input');
    const big = await raw('/v1/leads', {
      method: 'POST',
      key: KEYS.admin,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'x'.repeat(1024 * 1024 + 10) }),
    });
    expectError(big, 413, 'payload_too_large');
    expectError(await raw('/v1/leads/%E0%A4%A', { key: KEYS.admin }), 400, 'invalid_input');
    // an id may be up to 128 characters (README "HTTP API"): a longer one is a 400 naming it; a path
    // parameter longer than the router takes at all (more than any id, even percent-encoded) is a 414
    expectError(await raw(`/v1/leads/${'a'.repeat(200)}`, { key: KEYS.admin }), 400, 'invalid_input');
    expectError(await raw(`/v1/leads/${'a'.repeat(1000)}`, { key: KEYS.admin }), 414, 'uri_too_long');
    expectError(await raw('/v1/nothing-here', { key: KEYS.admin }), 404, 'not_found');
    expectError(await raw('/nothing-here'), 404, 'not_found');
  });
});
