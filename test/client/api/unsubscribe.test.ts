/**
 * The public unsubscribe routes on a bare fastify app, with a real Redis behind the suppression list.
 *
 * Requests go over real HTTP rather than app.inject: light-my-request (inject) requires `cookie` 2,
 * an ES module that Jest's CommonJS runtime cannot load on Node 20.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import Redis from 'ioredis';
import { loadConfig, type Config } from '../../../config/env';
import { startRedis, type ManagedService } from '../../../devstack/services';
import { registerUnsubscribeRoutes } from '../../../client/api/routes/unsubscribe';
import { apiSerializerCompiler, apiValidatorCompiler } from '../../../client/api/openapi';
import { SuppressionList } from '../../../store/email/suppression';
import { signToken, type TokenPayload } from '../../../store/email/tokens';

const SECRET = 'test-signing-secret-0123456789';

describe('the unsubscribe routes', () => {
  let dir: string;
  let redisService: ManagedService;
  let redis: Redis;
  let suppression: SuppressionList;
  let config: Config;
  let app: FastifyInstance;
  let baseUrl: string;
  const told: Array<[string, string]> = [];
  let failCallback = false;

  const token = (payload: Partial<TokenPayload> = {}) =>
    signToken(SECRET, { p: 'u', l: 'lead-7', e: 'ada@example.test', ...payload });
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-unsub-'));
    redisService = await startRedis({ dataDir: path.join(dir, 'redis'), logDir: dir });
    redis = new Redis(redisService.url, { maxRetriesPerRequest: 1 });
    suppression = new SuppressionList(redis, 'test:');
    config = loadConfig({ NODE_ENV: 'test', SIGNING_SECRET: SECRET, PUBLIC_BASE_URL: 'http://127.0.0.1:3000' });

    app = Fastify({ logger: false });
    // the route schemas are zod, compiled as the API compiles them (client/api/openapi.ts)
    app.setValidatorCompiler(apiValidatorCompiler);
    app.setSerializerCompiler(apiSerializerCompiler);
    registerUnsubscribeRoutes(app, {
      config,
      suppression,
      onUnsubscribed: async (leadId, email) => {
        told.push([leadId, email]);
        if (failCallback) throw new Error('Temporal is down');
      },
    });
    // outside the routes' scope: must not accept form bodies
    app.post('/echo', async (req) => ({ body: req.body }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });

  /** app.inject's shape, over HTTP. */
  async function inject(opts: {
    method: 'GET' | 'POST';
    url: string;
    headers?: Record<string, string>;
    payload?: string;
  }) {
    const res = await fetch(baseUrl + opts.url, {
      method: opts.method,
      headers: opts.headers,
      body: opts.payload,
      redirect: 'manual',
    });
    const body = await res.text();
    return {
      statusCode: res.status,
      headers: Object.fromEntries(res.headers.entries()) as Record<string, string>,
      body,
      json: () => JSON.parse(body),
    };
  }

  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await redisService?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await redis.flushdb();
    told.length = 0;
    failCallback = false;
  });

  it('shows a confirmation page with a form that POSTs, and unsubscribes nobody', async () => {
    const t = token({ e: 'ada+<b>"x"@example.test' });
    const res = await inject({ method: 'GET', url: `/u/${t}` });

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).toContain('<html lang="en" dir="ltr">');
    expect(res.body).toContain(`<form method="post" action="/u/${t}">`);
    expect(res.body).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(res.body).toContain('ada+&lt;b&gt;&quot;x&quot;@example.test');
    expect(res.body).not.toContain('<b>');
    expect(await suppression.isSuppressed('ada+<b>"x"@example.test')).toBe(false);
    expect(told).toEqual([]);
  });

  it('shows the page in Persian for a Persian lead', async () => {
    const res = await inject({ method: 'GET', url: `/u/${token({ lc: 'fa' })}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<html lang="fa" dir="rtl">');
    expect(res.body).toContain('لغو اشتراک');
  });

  it('unsubscribes on an RFC 8058 one-click POST and tells the lead', async () => {
    const res = await inject({
      method: 'POST',
      url: `/u/${token()}`,
      headers: form,
      payload: 'List-Unsubscribe=One-Click',
    });

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('ada@example.test');
    expect(await suppression.get('ada@example.test')).toMatchObject({ reason: 'unsubscribed', leadId: 'lead-7' });
    expect(told).toEqual([['lead-7', 'ada@example.test']]);
  });

  it('answers JSON when asked, and accepts an empty or multipart body', async () => {
    const json = await inject({ method: 'POST', url: `/u/${token()}`, headers: { accept: 'application/json' } });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual({ status: 'unsubscribed', email: 'ada@example.test' });

    const multipart = await inject({
      method: 'POST',
      url: `/u/${token({ e: 'bob@example.test', l: 'lead-8' })}`,
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      payload: '--XyZ\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--XyZ--\r\n',
    });
    expect(multipart.statusCode).toBe(200);
    expect(await suppression.isSuppressed('bob@example.test')).toBe(true);
  });

  it('is idempotent: a second POST keeps the first unsubscribe', async () => {
    await inject({ method: 'POST', url: `/u/${token()}`, headers: form, payload: 'List-Unsubscribe=One-Click' });
    const first = await suppression.get('ada@example.test');
    const again = await inject({
      method: 'POST',
      url: `/u/${token()}`,
      headers: form,
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(again.statusCode).toBe(200);
    expect(await suppression.get('ada@example.test')).toEqual(first);

    const page = await inject({ method: 'GET', url: `/u/${token()}` });
    expect(page.body).toContain('already unsubscribed');
    expect(page.body).not.toContain('<form');
  });

  it('still unsubscribes when telling the lead fails', async () => {
    failCallback = true;
    const res = await inject({
      method: 'POST',
      url: `/u/${token()}`,
      headers: form,
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(res.statusCode).toBe(200);
    expect(await suppression.isSuppressed('ada@example.test')).toBe(true);
  });

  it('refuses a forged token with 403 and suppresses nothing', async () => {
    const forged = signToken('some-other-secret-0123456789', { p: 'u', l: 'lead-7', e: 'victim@example.test' });
    for (const method of ['GET', 'POST'] as const) {
      const res = await inject({
        method,
        url: `/u/${forged}`,
        headers: form,
        payload: method === 'POST' ? 'List-Unsubscribe=One-Click' : undefined,
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: { code: 'forbidden', message: 'this unsubscribe link is not valid' } });
    }
    expect(await redis.hlen('test:suppressed')).toBe(0);
    expect(told).toEqual([]);
  });

  it('refuses malformed, expired and survey tokens with 403', async () => {
    const cases = [
      'not-a-token',
      `${token()}x`,
      `${token()}/extra`,
      token({ x: Date.now() - 1_000 }),
      signToken(SECRET, { p: 's', l: 'lead-7', e: 'ada@example.test' }),
      signToken(SECRET, { p: 'u', l: 'lead-7' }),
    ];
    for (const t of cases) {
      const res = await inject({
        method: 'POST',
        url: `/u/${t}`,
        headers: form,
        payload: 'List-Unsubscribe=One-Click',
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }
    const expired = await inject({ method: 'GET', url: `/u/${token({ x: Date.now() - 1_000 })}` });
    expect(expired.json().error.message).toBe('this unsubscribe link has expired');
    expect(await redis.hlen('test:suppressed')).toBe(0);
  });

  it('takes tokens longer than a fastify path parameter allows', async () => {
    const long = token({ l: `lead-${'x'.repeat(120)}`, e: `${'a'.repeat(60)}@${'b'.repeat(60)}.example.test` });
    expect(long.length).toBeGreaterThan(200);
    const res = await inject({
      method: 'POST',
      url: `/u/${long}`,
      headers: form,
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(res.statusCode).toBe(200);
  });

  it('keeps its form parser to itself', async () => {
    const res = await inject({ method: 'POST', url: '/echo', headers: form, payload: 'a=1' });
    expect(res.statusCode).toBe(415);
  });
});
