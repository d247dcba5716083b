import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import pino from 'pino';
import { startRedis } from '../../../devstack/services';
import { InvalidInputError } from '../../../store/errors';
import { createEnrichmentActivities } from '../../../activities/enrichment/enrichment.activities';
import { EnrichmentUnavailableError } from '../../../activities/enrichment/errors';
import { checkMx } from '../../../activities/enrichment/mx';
import { domainOf, isFreeMailDomain, normaliseEmail } from '../../../store/enrichment/normalise';

const log = pino({ level: 'silent' });

// ---------------------------------------------------------------------------------------------
// A tiny enrichment provider on 127.0.0.1

interface Provider {
  url: string;
  hits: Map<string, number>;
  stop(): Promise<void>;
}

async function startProvider(): Promise<Provider> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const domain = url.searchParams.get('domain') ?? '';
    hits.set(domain, (hits.get(domain) ?? 0) + 1);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/v1/companies') return json(400, { error: 'wrong path' });
    switch (domain) {
      case 'acme.com':
        return json(200, {
          name: '  Acme\u0000 Inc ',
          employees: 1200,
          industry: 'Software',
          country: 'DE',
          website: 'https://acme.com',
          apiKey: 'must not be kept',
          nested: { deep: true },
        });
      case 'sloppy.com':
        return json(200, { name: 'S'.repeat(500), employees: 'lots', website: 'javascript:alert(1)', country: 42 });
      case 'unknown.com':
        return json(404, { error: 'not found' });
      case 'broken.com':
        return json(503, { error: 'maintenance' });
      case 'garbage.com':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html>oops</html>');
      case 'list.com':
        return json(200, [{ name: 'not an object' }]);
      case 'slow.com':
        return void setTimeout(() => json(200, { name: 'Too Late' }), 2_000).unref();
      default:
        return json(404, {});
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/`,
    hits,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// A tiny DNS server on 127.0.0.1 (UDP), to check the MX verdicts without the internet

type Rr =
  { type: 'MX'; preference: number; exchange: string } | { type: 'A'; ip: string } | { type: 'NS'; host: string };
type Reply = { rcode: number; answers?: Rr[] } | 'silent';
const TYPE = { A: 1, NS: 2, MX: 15, AAAA: 28 } as const;

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
}

function rdata(rr: Rr): Buffer {
  if (rr.type === 'A') return Buffer.from(rr.ip.split('.').map(Number));
  if (rr.type === 'NS') return encodeName(rr.host);
  const pref = Buffer.alloc(2);
  pref.writeUInt16BE(rr.preference);
  return Buffer.concat([pref, encodeName(rr.exchange)]);
}

function respond(query: Buffer, reply: { rcode: number; answers?: Rr[] }): Buffer {
  let off = 12;
  while (query[off] !== 0) off += query[off] + 1;
  const questionEnd = off + 5;
  const answers = reply.answers ?? [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // id
  header.writeUInt16BE(0x8180 | reply.rcode, 2); // response, RD, RA, rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const records = answers.map((rr) => {
    const data = rdata(rr);
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // owner: pointer to the question's name
    fixed.writeUInt16BE(TYPE[rr.type], 2);
    fixed.writeUInt16BE(1, 4); // IN
    fixed.writeUInt32BE(300, 6);
    fixed.writeUInt16BE(data.length, 10);
    return Buffer.concat([fixed, data]);
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...records]);
}

function parseQuestion(query: Buffer): { name: string; type: number } {
  const labels: string[] = [];
  let off = 12;
  while (query[off] !== 0) {
    labels.push(query.subarray(off + 1, off + 1 + query[off]).toString('latin1'));
    off += query[off] + 1;
  }
  return { name: labels.join('.').toLowerCase(), type: query.readUInt16BE(off + 1) };
}

async function startDns(
  answer: (name: string, type: number) => Reply,
): Promise<{ server: string; stop(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const q = parseQuestion(msg);
    const reply = answer(q.name, q.type);
    if (reply !== 'silent') socket.send(respond(msg, reply), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return { server: `127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

const NOERROR = 0;
const SERVFAIL = 2;
const NXDOMAIN = 3;

/** A working resolver that knows a handful of names. */
function honest(name: string, type: number): Reply {
  if (name === '' && type === TYPE.NS) return { rcode: NOERROR, answers: [{ type: 'NS', host: 'a.root-servers.net' }] };
  if (name === 'acme.test' && type === TYPE.MX)
    return { rcode: NOERROR, answers: [{ type: 'MX', preference: 10, exchange: 'mx.acme.test' }] };
  if (name === 'nullmx.test' && type === TYPE.MX)
    return { rcode: NOERROR, answers: [{ type: 'MX', preference: 0, exchange: '' }] };
  if (name === 'implicit.test')
    return type === TYPE.A ? { rcode: NOERROR, answers: [{ type: 'A', ip: '192.0.2.7' }] } : { rcode: NOERROR };
  if (name === 'parked.test') return { rcode: NOERROR }; // exists, no MX, no address
  if (name === 'flaky.test') return { rcode: SERVFAIL };
  return { rcode: NXDOMAIN };
}

// ---------------------------------------------------------------------------------------------

describe('normalising addresses', () => {
  it('lower-cases and trims an address, and puts an international domain in ASCII', () => {
    expect(normaliseEmail('  Ada.Lovelace+Pipeline@Example.COM ')).toBe('ada.lovelace+pipeline@example.com');
    expect(domainOf('info@Bücher.DE')).toBe('xn--bcher-kva.de');
    expect(domainOf('x@example.com.')).toBe('example.com');
  });

  it('refuses what is not an address with a non-retryable InvalidInputError', () => {
    for (const bad of [
      '',
      'ada',
      '@example.com',
      'ada@',
      'ada@localhost',
      'ada@exa mple.com',
      'a b@example.com',
      'ada@-bad-.com',
    ]) {
      expect(() => normaliseEmail(bad)).toThrow(InvalidInputError);
    }
  });

  it('knows the common free-mail providers', () => {
    for (const d of [
      'gmail.com',
      'GMAIL.com',
      'yahoo.com',
      'outlook.com',
      'hotmail.com',
      'icloud.com',
      'proton.me',
      'gmx.de',
      'yandex.ru',
      'mail.ru',
      'aol.com',
      'live.com',
    ]) {
      expect(isFreeMailDomain(d)).toBe(true);
    }
    expect(isFreeMailDomain('acme.com')).toBe(false);
    expect(isFreeMailDomain('mail.acme.com')).toBe(false);
  });
});

describe('checkMx', () => {
  it('never throws on this machine, where DNS does not work: unknown or none', async () => {
    for (const domain of ['example.invalid', 'gmail.com']) {
      const started = Date.now();
      await expect(checkMx(domain, 1_000)).resolves.toMatch(/^(unknown|none)$/);
      expect(Date.now() - started).toBeLessThan(2_500);
    }
  });

  it('says none for something that cannot be a domain, without asking DNS', async () => {
    await expect(checkMx('not a domain')).resolves.toBe('none');
    await expect(checkMx('')).resolves.toBe('none');
  });

  describe('against a local DNS server', () => {
    let dns: Awaited<ReturnType<typeof startDns>>;
    beforeAll(async () => {
      dns = await startDns(honest);
    });
    afterAll(() => dns.stop());
    const check = (domain: string) => checkMx(domain, 1_000, { servers: [dns.server] });

    it('is valid with an MX record, or with only an address record (implicit MX)', async () => {
      await expect(check('acme.test')).resolves.toBe('valid');
      await expect(check('Implicit.TEST')).resolves.toBe('valid');
    });

    it('is none for NXDOMAIN, a null MX, or a name with neither MX nor address, from a resolver that works', async () => {
      await expect(check('nope.test')).resolves.toBe('none');
      await expect(check('nullmx.test')).resolves.toBe('none');
      await expect(check('parked.test')).resolves.toBe('none');
    });

    it('is unknown when the server fails (SERVFAIL)', async () => {
      await expect(check('flaky.test')).resolves.toBe('unknown');
    });
  });

  it('is unknown when a resolver answers NXDOMAIN for everything, even the root zone', async () => {
    const liar = await startDns(() => ({ rcode: NXDOMAIN }));
    try {
      await expect(checkMx('acme.test', 1_000, { servers: [liar.server] })).resolves.toBe('unknown');
    } finally {
      await liar.stop();
    }
  });

  it('is unknown, within its timeout, when the server never answers', async () => {
    const silent = await startDns(() => 'silent');
    try {
      const started = Date.now();
      await expect(checkMx('acme.test', 500, { servers: [silent.server] })).resolves.toBe('unknown');
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await silent.stop();
    }
  });

  it('is unknown when nothing listens on the server port', async () => {
    const gone = await startDns(() => 'silent');
    await gone.stop();
    await expect(checkMx('acme.test', 500, { servers: [gone.server] })).resolves.toBe('unknown');
  });
});

describe('enrichment activities with Redis and a local provider', () => {
  let dir: string;
  let redisService: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  let provider: Provider;
  let activities: ReturnType<typeof createEnrichmentActivities>;
  const prefix = `test-${process.pid}:`;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-enrichment-'));
    redisService = await startRedis({ dataDir: path.join(dir, 'data'), logDir: dir });
    redis = new Redis(redisService.url, { maxRetriesPerRequest: 1 });
    provider = await startProvider();
    activities = createEnrichmentActivities({
      redis,
      prefix,
      enrichmentUrl: provider.url,
      log,
      mxTimeoutMs: 1_000,
      enrichmentTimeoutMs: 500,
    });
  });

  afterAll(async () => {
    await provider?.stop();
    await redis?.quit().catch(() => redis.disconnect());
    await redisService?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('returns a company profile, keeps only the known fields, and serves the second call from the cache', async () => {
    const first = await activities.enrichCompany({ domain: 'acme.com' });
    expect(first).toEqual({
      status: 'ok',
      company: { name: 'Acme Inc', employees: 1200, industry: 'Software', country: 'DE', website: 'https://acme.com' },
    });
    expect(provider.hits.get('acme.com')).toBe(1);

    const second = await activities.enrichCompany({ domain: 'ACME.com' });
    expect(second).toEqual(first);
    expect(provider.hits.get('acme.com')).toBe(1);

    const ttl = await redis.ttl(`${prefix}enrich:acme.com`);
    expect(ttl).toBeGreaterThan(7 * 86_400 - 60);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400);
    expect(await redis.get(`${prefix}enrich:acme.com`)).not.toContain('must not be kept');
  });

  it('drops fields of the wrong type and cuts long strings', async () => {
    const result = await activities.enrichCompany({ domain: 'sloppy.com' });
    expect(result).toEqual({ status: 'ok', company: { name: 'S'.repeat(200) } });
  });

  it('caches a 404 as not_found for a day', async () => {
    expect(await activities.enrichCompany({ domain: 'unknown.com' })).toEqual({ status: 'not_found' });
    expect(await activities.enrichCompany({ domain: 'unknown.com' })).toEqual({ status: 'not_found' });
    expect(provider.hits.get('unknown.com')).toBe(1);
    const ttl = await redis.ttl(`${prefix}enrich:unknown.com`);
    expect(ttl).toBeGreaterThan(86_400 - 60);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });

  it('throws EnrichmentUnavailableError on a 5xx and does not cache it', async () => {
    const err = await activities.enrichCompany({ domain: 'broken.com' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnrichmentUnavailableError);
    expect(err).toMatchObject({ name: 'EnrichmentUnavailableError', status: 503 });
    await expect(activities.enrichCompany({ domain: 'broken.com' })).rejects.toThrow(EnrichmentUnavailableError);
    expect(provider.hits.get('broken.com')).toBe(2);
    expect(await redis.exists(`${prefix}enrich:broken.com`)).toBe(0);
  });

  it('throws EnrichmentUnavailableError on an answer that is not a JSON object', async () => {
    await expect(activities.enrichCompany({ domain: 'garbage.com' })).rejects.toThrow(EnrichmentUnavailableError);
    await expect(activities.enrichCompany({ domain: 'list.com' })).rejects.toThrow(EnrichmentUnavailableError);
  });

  it('throws EnrichmentUnavailableError when the provider is too slow', async () => {
    const started = Date.now();
    await expect(activities.enrichCompany({ domain: 'slow.com' })).rejects.toThrow(/no answer within 500 ms/);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('refuses a domain that is not one with InvalidInputError', async () => {
    await expect(activities.enrichCompany({ domain: 'not a domain' })).rejects.toThrow(InvalidInputError);
  });

  it('answers not_configured without ENRICHMENT_URL', async () => {
    const bare = createEnrichmentActivities({ redis, prefix, log });
    expect(await bare.enrichCompany({ domain: 'acme.com' })).toEqual({ status: 'not_configured' });
  });

  it('collects the lead data without throwing although DNS does not work here', async () => {
    const data = await activities.collectLeadData({ leadId: 'lead-1', email: ' Ada@Example.invalid ' });
    expect(data).toMatchObject({
      email: 'ada@example.invalid',
      domain: 'example.invalid',
      freeMail: false,
      duplicateOf: null,
    });
    expect(['unknown', 'none']).toContain(data.mx);
    const gmail = await activities.collectLeadData({ leadId: 'lead-g', email: 'someone@GMAIL.com' });
    expect(gmail).toMatchObject({ domain: 'gmail.com', freeMail: true });
  });

  it('flags a second lead with the same email, in another case, as a duplicate of the first', async () => {
    const first = await activities.collectLeadData({ leadId: 'lead-a', email: 'grace@hopper.example' });
    expect(first.duplicateOf).toBeNull();
    // a retry by the same lead is not a duplicate
    expect(
      (await activities.collectLeadData({ leadId: 'lead-a', email: 'grace@hopper.example' })).duplicateOf,
    ).toBeNull();
    const second = await activities.collectLeadData({ leadId: 'lead-b', email: 'Grace@HOPPER.example' });
    expect(second.duplicateOf).toBe('lead-a');
    expect(await redis.hget(`${prefix}lead-by-email`, 'grace@hopper.example')).toBe('lead-a');
  });

  it('agrees on one first lead when many claim the same email at once', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `race-${i}`);
    const results = await Promise.all(
      ids.map((leadId) => activities.collectLeadData({ leadId, email: 'race@example.test' })),
    );
    const winners = results.filter((r) => r.duplicateOf === null);
    expect(winners).toHaveLength(1);
    const winner = ids[results.indexOf(winners[0])];
    expect(results.filter((r) => r.duplicateOf !== null).every((r) => r.duplicateOf === winner)).toBe(true);
  });

  it('refuses an address that is not one with InvalidInputError', async () => {
    await expect(activities.collectLeadData({ leadId: 'lead-x', email: 'nobody' })).rejects.toThrow(InvalidInputError);
  });

  it('serves cached answers while the provider is down, and throws EnrichmentUnavailableError for the rest', async () => {
    await provider.stop();
    expect(await activities.enrichCompany({ domain: 'acme.com' })).toMatchObject({ status: 'ok' });
    const err = await activities.enrichCompany({ domain: 'newco.com' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnrichmentUnavailableError);
    expect((err as Error).message).toMatch(/unreachable for newco\.com: ECONNREFUSED/);
  });
});
