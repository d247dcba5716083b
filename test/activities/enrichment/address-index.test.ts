/**
 * The address index (README "One lead per person") on a real Redis: how an input is resolved to a
 * lead, atomically under concurrency; closed leads; stale claims; input checks before any write;
 * sender matching (newest open, else newest closed); and the one normaliseEmail every caller uses.
 */
import crypto from 'node:crypto';
import Redis from 'ioredis';
import { createLeadAddressIndex, PENDING_CLAIM_MS, pickForSender } from '../../../store/enrichment/duplicates';
import { addressFromHeader, normaliseEmail } from '../../../store/enrichment/normalise';
import { leadIdFromEmail } from '../../../store/enrichment/normalise';
import { InvalidInputError } from '../../../store/errors';

let redis: Redis;
let prefix: string;
let index: ReturnType<typeof createLeadAddressIndex>;

beforeAll(() => {
  redis = new Redis(process.env.TEST_REDIS_URL!);
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  prefix = `ai-${crypto.randomBytes(4).toString('hex')}:`;
  index = createLeadAddressIndex(redis, prefix);
});

test('an input without an id for an address with an open lead is that lead', async () => {
  expect(await index.resolve('nima.j@example.org', 'nima-1', true, 1000)).toEqual({ kind: 'new', id: 'nima-1' });
  await index.setStatus('nima.j@example.org', 'nima-1', 'open', 1000, 1001);
  expect(await index.resolve(' Nima.J@EXAMPLE.org ', 'e-derived', false, 2000)).toEqual({
    kind: 'existing',
    id: 'nima-1',
    status: 'open',
  });
  // a retried create of the same explicit id is the same lead, not a conflict
  expect(await index.resolve('nima.j@example.org', 'nima-1', true, 2000)).toEqual({
    kind: 'same',
    id: 'nima-1',
    status: 'open',
  });
  // nothing new was written for the id-less input
  expect((await index.entries('nima.j@example.org')).map((e) => e.id)).toEqual(['nima-1']);
});

test('an explicit new id for an address another open lead holds is a conflict naming that lead', async () => {
  await index.resolve('a@example.org', 'first', true, 1000);
  expect(await index.resolve('A@Example.org', 'second', true, 1100)).toEqual({ kind: 'conflict', id: 'first' });
  expect((await index.entries('a@example.org')).map((e) => e.id)).toEqual(['first']);
});

test('a returning customer: without an id the closed lead (not re-opened), with a new id a new lead linked to it', async () => {
  await index.resolve('ret@example.org', 'ret-1', true, 1000);
  await index.setStatus('ret@example.org', 'ret-1', 'open', 1000, 1000);
  await index.setStatus('ret@example.org', 'ret-1', 'closed', 1000, 5000);
  expect(await index.resolve('ret@example.org', 'e-x', false, 6000)).toEqual({
    kind: 'existing',
    id: 'ret-1',
    status: 'closed',
  });
  expect(await index.resolve('ret@example.org', 'ret-2', true, 7000)).toEqual({
    kind: 'new',
    id: 'ret-2',
    previousLeadId: 'ret-1',
  });
  const entries = await index.entries('ret@example.org');
  expect(entries.find((e) => e.id === 'ret-2')).toMatchObject({
    status: 'pending',
    previousLeadId: 'ret-1',
    createdAt: 7000,
  });
  // closed is final: a late "open" never re-opens it
  expect(await index.setStatus('ret@example.org', 'ret-1', 'open', 1000, 8000)).toBe(false);
  expect((await index.entries('ret@example.org')).find((e) => e.id === 'ret-1')!.status).toBe('closed');
});

test('many concurrent resolutions of one address (ids and none) agree on one open lead', async () => {
  const now = Date.now();
  const inputs = Array.from({ length: 30 }, (_, i) =>
    i % 3 === 0 ? { id: `x-${i}`, explicit: true } : { id: 'e-derived', explicit: false },
  );
  const results = await Promise.all(
    inputs.map((x, i) => index.resolve(i % 2 ? 'Race@Example.org' : ' race@example.org', x.id, x.explicit, now)),
  );
  const started = results.filter((r) => r.kind === 'new');
  expect(started).toHaveLength(1);
  const winner = started[0].id;
  for (const r of results) {
    if (r.kind === 'new') continue;
    expect(r.id).toBe(winner); // existing, same or conflict: all name the one lead
  }
  expect((await index.entries('race@example.org')).map((e) => e.id)).toEqual([winner]);
});

test('a stale pending claim is reported for the caller to settle, and can be dropped', async () => {
  await index.resolve('s@example.org', 'ghost', true, 1000);
  expect(await index.resolve('s@example.org', 'e-s', false, 1000 + PENDING_CLAIM_MS + 1)).toEqual({
    kind: 'stale',
    id: 'ghost',
  });
  expect(await index.dropPending('s@example.org', 'ghost')).toBe(true);
  expect(await redis.hexists(index.key, 's@example.org')).toBe(0);
  expect(await index.resolve('s@example.org', 'e-s', false, 1000 + PENDING_CLAIM_MS + 2)).toEqual({
    kind: 'new',
    id: 'e-s',
  });
  // an open (confirmed) claim is never dropped as pending
  await index.setStatus('s@example.org', 'e-s', 'open');
  expect(await index.dropPending('s@example.org', 'e-s')).toBe(false);
});

test('the scripts check every input before writing anything', async () => {
  await expect(index.resolve('nobody', 'x', true)).rejects.toThrow(InvalidInputError);
  await expect(index.resolve('a@example.org', 'bad id!', true)).rejects.toThrow(/invalid lead id/);
  await expect(index.setStatus('a@example.org', 'x', 'won' as 'open')).rejects.toThrow(/status must be open or closed/);
  await expect(index.setStatus('a@example.org', 'x', 'open', 1000, -5)).rejects.toThrow(/invalid time/);
  expect(await redis.exists(index.key)).toBe(0);
  // a corrupt stored entry is refused, not overwritten
  await redis.hset(index.key, 'c@example.org', 'not json');
  await expect(index.resolve('c@example.org', 'x', true)).rejects.toThrow(/corrupt/);
  expect(await redis.hget(index.key, 'c@example.org')).toBe('not json');
});

test('sender matching: the newest open lead, else the newest closed one, and says why', async () => {
  expect(pickForSender([])).toBeNull();
  const e = (id: string, status: 'open' | 'closed' | 'pending', createdAt: number) => ({
    id,
    status,
    createdAt,
    updatedAt: createdAt,
  });
  expect(pickForSender([e('old', 'closed', 1), e('cur', 'open', 2), e('newer-closed', 'closed', 3)])).toEqual({
    leadId: 'cur',
    reason: 'newest open lead for this address',
  });
  expect(pickForSender([e('a', 'open', 1), e('b', 'open', 5)])).toEqual({
    leadId: 'b',
    reason: 'newest of 2 open leads for this address',
  });
  expect(pickForSender([e('a', 'closed', 1), e('b', 'closed', 5)])).toEqual({
    leadId: 'b',
    reason: 'no open lead for this address; newest closed lead',
  });

  await index.resolve('m@example.org', 'm-1', true, 1000);
  await index.setStatus('m@example.org', 'm-1', 'open');
  expect(await index.matchSender(addressFromHeader('"Mina R" <M@EXAMPLE.ORG>'))).toEqual({
    leadId: 'm-1',
    reason: 'newest open lead for this address',
  });
  // a lead only the prospecting claim knows (started before the index): still found, and said so
  await redis.hset(`${prefix}lead-by-email`, 'old@example.org', 'old-1');
  expect(await index.matchSender('Old@Example.org')).toEqual({
    leadId: 'old-1',
    reason: expect.stringContaining('not in the address index'),
  });
  expect(await index.matchSender('nobody@example.org')).toBeNull();
});

test('one normaliseEmail everywhere: case, whitespace, display names and IDN domains give one address', () => {
  const variants = ['mina.reply@example.org', ' MINA.Reply@EXAMPLE.ORG ', 'Mina.Reply@Example.Org.'];
  for (const v of variants) {
    expect(normaliseEmail(v)).toBe('mina.reply@example.org');
    expect(leadIdFromEmail(v)).toBe(leadIdFromEmail('mina.reply@example.org'));
  }
  for (const h of [
    '"Mina R" <MINA.Reply@EXAMPLE.ORG>',
    'Mina R <mina.reply@example.org>',
    '<Mina.Reply@Example.org>',
    'mina.reply@example.org (Mina)',
    '  MINA.REPLY@example.org  ',
  ]) {
    expect(addressFromHeader(h)).toBe('mina.reply@example.org');
  }
  expect(normaliseEmail('kai@BÜCHER.example')).toBe('kai@xn--bcher-kva.example');
  expect(() => addressFromHeader('MAILER-DAEMON')).toThrow(InvalidInputError);
});
