/**
 * Paging through the HTTP API against the real Temporal dev server and Redis (README "Paging"):
 * the task inbox keeps its place when tasks are completed between pages (the input of issue 11,
 * fault 5), the lead list honours pageSize, campaign lists and audit logs page by keyset, and on
 * every list route a garbage, altered, out-of-range or other list's token is a 400 for `pageToken`.
 */
import crypto from 'node:crypto';
import { KEYS, eventually, startStack, type Stack } from '../support/stack';
import { sealPageToken } from '../../client/api/page-token';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const BASE = Date.parse('2026-03-02T14:00:00Z');
const q = (params: Record<string, string | number | undefined>) =>
  '?' +
  Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');

/** Walks a list route to its end: every page, each checked against pageSize. */
async function walk(
  path: string,
  key: string,
  pageSize: number,
  params: Record<string, string> = {},
): Promise<any[][]> {
  const pages: any[][] = [];
  let token: string | undefined;
  do {
    const res = await stack.call('GET', path + q({ ...params, pageSize, pageToken: token }), key);
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(pageSize);
    pages.push(res.body.items);
    token = res.body.nextPageToken;
    expect(pages.length).toBeLessThan(100);
  } while (token);
  return pages;
}

function expectPageTokenError(res: { status: number; body: any }) {
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('invalid_input');
  expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['pageToken']);
}

describe('the task inbox (issue 11, fault 5)', () => {
  it('shows pg-3 and pg-4 after carol completes pg-1 and pg-2 of the first page', async () => {
    for (let i = 1; i <= 6; i++) {
      await stack.runtime.tasks.create({
        id: `pg-${i}`,
        leadId: 'pg-lead',
        assignee: 'carol',
        team: 'beta',
        kind: 'research',
        title: `Research ${i}`,
        details: '',
        dueAt: new Date(BASE + i * 1000).toISOString(),
        priority: 'normal',
      });
    }
    const first = await stack.call('GET', '/v1/tasks?pageSize=2', KEYS.carol);
    expect(first.status).toBe(200);
    expect(first.body.items.map((t: { id: string }) => t.id)).toEqual(['pg-1', 'pg-2']);
    expect(typeof first.body.nextPageToken).toBe('string');
    for (const id of ['pg-1', 'pg-2'])
      expect((await stack.call('POST', `/v1/tasks/${id}/complete`, KEYS.carol)).status).toBe(200);

    const second = await stack.call(
      'GET',
      `/v1/tasks${q({ pageSize: 2, pageToken: first.body.nextPageToken })}`,
      KEYS.carol,
    );
    expect(second.status).toBe(200);
    expect(second.body.items.map((t: { id: string }) => t.id)).toEqual(['pg-3', 'pg-4']);
    const third = await stack.call(
      'GET',
      `/v1/tasks${q({ pageSize: 2, pageToken: second.body.nextPageToken })}`,
      KEYS.carol,
    );
    expect(third.body.items.map((t: { id: string }) => t.id)).toEqual(['pg-5', 'pg-6']);
    expect(third.body.nextPageToken).toBeUndefined();

    // the token belongs to carol's open tasks: another status, another rep, or a team view refuses it
    expectPageTokenError(
      await stack.call('GET', `/v1/tasks${q({ status: 'all', pageToken: first.body.nextPageToken })}`, KEYS.carol),
    );
    expectPageTokenError(await stack.call('GET', `/v1/tasks${q({ pageToken: first.body.nextPageToken })}`, KEYS.bob));
    expectPageTokenError(
      await stack.call('GET', `/v1/tasks${q({ team: 'beta', pageToken: first.body.nextPageToken })}`, KEYS.admin),
    );
    // the manager of beta may name carol: the same list, so the same token reads on
    const managers = await stack.call(
      'GET',
      `/v1/tasks${q({ assignee: 'carol', pageSize: 2, pageToken: first.body.nextPageToken })}`,
      KEYS.managerBeta,
    );
    expect(managers.body.items.map((t: { id: string }) => t.id)).toEqual(['pg-3', 'pg-4']);
  });
});

describe('the lead list', () => {
  it('honours pageSize and shows each lead once across pages', async () => {
    const campaign = `pg-${crypto.randomBytes(4).toString('hex')}`;
    const ids = Array.from({ length: 5 }, (_, i) => `${campaign}-l${i}`);
    for (const id of ids) {
      const res = await stack.call('POST', '/v1/leads', KEYS.admin, {
        id,
        email: `${id}@example.org`,
        name: `Page ${id}`,
        team: 'alpha',
        owner: 'alice',
        campaign,
      });
      expect(res.status).toBe(201);
    }
    await eventually(
      async () => {
        const res = await stack.call('GET', `/v1/leads${q({ campaign, count: 'true', pageSize: 1 })}`, KEYS.admin);
        return res.body.total === ids.length;
      },
      30_000,
      'the leads in visibility',
    );
    const pages = await walk('/v1/leads', KEYS.admin, 2, { campaign });
    const seen = pages.flat().map((l: { id: string }) => l.id);
    expect(seen.sort()).toEqual([...ids].sort());
    expect(pages.filter((p) => p.length > 0).length).toBe(3);

    expectPageTokenError(await stack.call('GET', `/v1/leads${q({ campaign, pageToken: 'garbage' })}`, KEYS.admin));
    // a token of this filter, used with another one
    const first = await stack.call('GET', `/v1/leads${q({ campaign, pageSize: 2 })}`, KEYS.admin);
    expectPageTokenError(
      await stack.call(
        'GET',
        `/v1/leads${q({ campaign, status: 'open', pageToken: first.body.nextPageToken })}`,
        KEYS.admin,
      ),
    );
    // a sealed token holding bytes Temporal did not make: Temporal refuses them, the API says 400 (not 500)
    const list = JSON.stringify(['leads', null, null, null, null, null, campaign]);
    const forged = sealPageToken(
      stack.config.SIGNING_SECRET,
      list,
      Buffer.from('not a temporal token').toString('base64url'),
    );
    expectPageTokenError(await stack.call('GET', `/v1/leads${q({ campaign, pageToken: forged })}`, KEYS.admin));
  });
});

describe('campaigns, batches and audit logs', () => {
  let batchId = '';
  it('pages the campaign list and a campaign history by keyset', async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await stack.call('POST', '/v1/campaigns', KEYS.marketing, { name: `Paging ${i}` });
      expect(res.status).toBe(201);
      made.push(res.body.id);
    }
    expect(
      (await walk('/v1/campaigns', KEYS.marketing, 2))
        .flat()
        .map((c: { id: string }) => c.id)
        .sort(),
    ).toEqual([...made].sort());

    const id = made[0];
    for (const action of ['pause', 'resume', 'pause'])
      expect((await stack.call('POST', `/v1/campaigns/${id}/${action}`, KEYS.marketing)).status).toBe(200);
    const versions = (await walk(`/v1/campaigns/${id}/history`, KEYS.marketing, 1))
      .flat()
      .map((e: { version: number }) => e.version);
    expect(versions).toEqual([4, 3, 2, 1]);
    // `limit` is still read as the page size of an audit log
    const limited = await stack.call('GET', `/v1/campaigns/${id}/history?limit=3`, KEYS.marketing);
    expect(limited.body.items.map((e: { version: number }) => e.version)).toEqual([4, 3, 2]);
  });

  it('pages every rejected row of a bulk batch, past the 1000 the batch status shows', async () => {
    const rows = Array.from({ length: 1005 }, (_, i) => ({ email: `not-an-address-${i}`, name: `Row ${i}` }));
    const submitted = await stack.call('POST', '/v1/leads/bulk', KEYS.marketing, rows);
    expect(submitted.status).toBe(202);
    const id = submitted.body.id as string;
    expect(submitted.body.rejectedCount).toBe(1005);
    expect((await stack.call('GET', `/v1/batches/${id}`, KEYS.marketing)).body.rejected).toHaveLength(1000);
    const lines = (await walk(`/v1/batches/${id}/rejected`, KEYS.marketing, 400))
      .flat()
      .map((r: { line: number }) => r.line);
    expect(lines).toEqual(Array.from({ length: 1005 }, (_, i) => i + 1));
    expect((await stack.call('GET', '/v1/batches/b-nosuchbatch1/rejected', KEYS.marketing)).status).toBe(404);
    // a token of this batch's list does not read another batch's
    const other = (await stack.call('POST', '/v1/leads/bulk', KEYS.marketing, rows.slice(0, 3))).body.id as string;
    const token = (await stack.call('GET', `/v1/batches/${id}/rejected?pageSize=1`, KEYS.marketing)).body
      .nextPageToken as string;
    expectPageTokenError(await stack.call('GET', `/v1/batches/${other}/rejected?pageToken=${token}`, KEYS.marketing));
    batchId = id;
  });

  it('answers 400 for pageToken on every list route for a garbage, altered, out-of-range or other list token', async () => {
    const campaign = (await stack.call('POST', '/v1/campaigns', KEYS.marketing, { name: 'Tokens' })).body.id as string;
    // a real token of another list: carol's open tasks (three tasks, pages of one)
    for (let i = 0; i < 3; i++) {
      await stack.runtime.tasks.create({
        id: `tok-${i}`,
        leadId: 'tok-lead',
        assignee: 'carol',
        team: 'beta',
        kind: 'call',
        title: 'Call',
        details: '',
        dueAt: new Date(BASE + 60_000 + i).toISOString(),
        priority: 'normal',
      });
    }
    const foreign = (await stack.call('GET', '/v1/tasks?pageSize=1', KEYS.carol)).body.nextPageToken as string;
    expect(typeof foreign).toBe('string');
    const [part, mac] = foreign.split('.');
    const altered = `${Buffer.from(Buffer.from(part, 'base64url').toString('utf8').replace(/\d/, '9')).toString('base64url')}.${mac}`;

    const secret = stack.config.SIGNING_SECRET;
    const routes: { path: string; key: string; list: string; outOfRange: string }[] = [
      {
        path: '/v1/tasks?assignee=carol&status=all',
        key: KEYS.admin,
        list: JSON.stringify(['tasks', 'carol', null, 'all']),
        outOfRange: Buffer.from('[1e999,"x"]').toString('base64url'),
      },
      {
        path: '/v1/leads?stage=approach',
        key: KEYS.admin,
        list: JSON.stringify(['leads', 'approach', null, null, null, null, null]),
        outOfRange: '!!',
      },
      {
        path: '/v1/campaigns',
        key: KEYS.marketing,
        list: JSON.stringify(['campaigns']),
        outOfRange: Buffer.from('["x"]').toString('base64url'),
      },
      {
        path: `/v1/campaigns/${campaign}/history`,
        key: KEYS.marketing,
        list: JSON.stringify(['history', `campaign:${campaign}`]),
        outOfRange: 'v999999',
      },
      {
        path: '/v1/config/thresholds/history',
        key: KEYS.admin,
        list: JSON.stringify(['history', 'thresholds']),
        outOfRange: 'v999999',
      },
      {
        path: '/v1/config/cadences/history',
        key: KEYS.admin,
        list: JSON.stringify(['history', 'cadences']),
        outOfRange: 'v2',
      },
      {
        path: '/v1/config/forecast/history',
        key: KEYS.admin,
        list: JSON.stringify(['history', 'forecast']),
        outOfRange: 'v0',
      },
      { path: '/v1/goals/history', key: KEYS.admin, list: JSON.stringify(['history', 'goals']), outOfRange: 'v999999' },
      {
        path: '/v1/goals/history',
        key: KEYS.managerAlpha,
        list: JSON.stringify(['history', 'goals:alpha']),
        outOfRange: 'v999999',
      },
      {
        path: '/v1/config/follow-up/history',
        key: KEYS.admin,
        list: JSON.stringify(['history', 'follow-up']),
        outOfRange: 'v999999',
      },
      {
        path: '/v1/config/roster/history',
        key: KEYS.admin,
        list: JSON.stringify(['history', 'roster']),
        outOfRange: 'v999999',
      },
      {
        path: '/v1/config/webhooks/history',
        key: KEYS.admin,
        list: JSON.stringify(['history', 'webhooks']),
        outOfRange: 'v999999',
      },
      {
        path: `/v1/batches/${batchId}/rejected`,
        key: KEYS.marketing,
        list: JSON.stringify(['batch-rejected', batchId]),
        outOfRange: 'i999999',
      },
    ];
    for (const r of routes) {
      const url = (token: string) =>
        `${r.path}${r.path.includes('?') ? '&' : '?'}pageToken=${encodeURIComponent(token)}`;
      // the route itself answers (so the 400s below are about the token)
      expect((await stack.call('GET', r.path, r.key)).status).toBe(200);
      for (const token of ['garbage', 'a.b', '%%%', foreign, altered, sealPageToken(secret, r.list, r.outOfRange)!]) {
        const res = await stack.call('GET', url(token), r.key);
        try {
          expectPageTokenError(res);
        } catch (e) {
          throw new Error(`${r.path} with ${token}: ${res.status} ${JSON.stringify(res.body)}`, { cause: e });
        }
      }
      // an empty token is refused too (it is not "the first page")
      expect((await stack.call('GET', url(''), r.key)).status).toBe(400);
    }
  });
});
