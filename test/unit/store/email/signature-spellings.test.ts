/**
 * Every signed value accepts exactly one spelling of its signature (#17 item 12): the unsubscribe
 * and survey tokens, the API's page tokens, the task webhook's `sha256=` header.
 */
import crypto from 'node:crypto';
import { isCanonicalMac, signToken, verifyToken } from '../../../../store/email/tokens';
import { openPageToken, sealPageToken } from '../../../../client/api/page-token';
import { signBody, verifySignature } from '../../../../store/tasks/webhook';

const SECRET = 'a-signing-secret-for-tests';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The other spellings of a 43-character base64url MAC that decode to the same 32 bytes: its last
 * character carries 4 bits of the MAC and 2 unused bits, so three other characters decode the same.
 */
function twins(sig: string): string[] {
  const v = B64URL.indexOf(sig[sig.length - 1]);
  return [1, 2, 3].map((x) => sig.slice(0, -1) + B64URL[v ^ x]);
}

test('the twins really decode to the same bytes (so a decoding compare would accept them)', () => {
  const sig = crypto.createHmac('sha256', SECRET).update('x').digest();
  const canonical = sig.toString('base64url');
  for (const t of twins(canonical)) {
    expect(t).not.toBe(canonical);
    expect(Buffer.from(t, 'base64url').equals(sig)).toBe(true);
  }
});

test('an unsubscribe or survey token is accepted only in the spelling we signed', () => {
  for (const p of ['u', 's'] as const) {
    const token = signToken(SECRET, { p, l: 'lead-1', e: 'a@b.test' });
    expect(verifyToken(SECRET, token, p).l).toBe('lead-1');
    const [payload, sig] = token.split('.');
    for (const t of twins(sig))
      expect(() => verifyToken(SECRET, `${payload}.${t}`, p)).toThrow(expect.objectContaining({ reason: 'forged' }));
    const b64 = Buffer.from(sig, 'base64url').toString('base64'); // standard base64 with its padding
    expect(() => verifyToken(SECRET, `${payload}.${b64}`, p)).toThrow(expect.objectContaining({ reason: 'malformed' }));
    expect(() => verifyToken(SECRET, `${payload}.${sig}=`, p)).toThrow(
      expect.objectContaining({ reason: 'malformed' }),
    );
  }
});

test('a page token is accepted only in the spelling we sealed', () => {
  const token = sealPageToken(SECRET, 'tasks|carol', 'cursor-1')!;
  expect(openPageToken(SECRET, 'tasks|carol', token)).toBe('cursor-1');
  const [part, sig] = token.split('.');
  for (const t of twins(sig)) {
    expect(() => openPageToken(SECRET, 'tasks|carol', `${part}.${t}`)).toThrow(
      /invalid pageToken: not a token of this list/,
    );
  }
  expect(() => openPageToken(SECRET, 'tasks|carol', `${part}.${sig}=`)).toThrow(/invalid pageToken: not a page token/);
});

test('a task webhook signature is accepted only as lowercase hex, with nothing around it', () => {
  const body = '{"id":"t1"}';
  const sig = signBody(SECRET, body);
  expect(verifySignature(SECRET, body, sig)).toBe(true);
  const hex = sig.slice('sha256='.length);
  for (const bad of [
    `sha256=${hex.toUpperCase()}`,
    `SHA256=${hex}`,
    ` ${sig}`,
    `${sig} `,
    `sha256=${Buffer.from(hex, 'hex').toString('base64')}`,
    `sha256=${hex}00`,
  ]) {
    expect(verifySignature(SECRET, body, bad)).toBe(false);
  }
});

test('isCanonicalMac: equal bytes in another spelling are not equal', () => {
  const mac = Buffer.from('00ff', 'hex');
  expect(isCanonicalMac('00ff', mac, 'hex')).toBe(true);
  expect(isCanonicalMac('00FF', mac, 'hex')).toBe(false);
  expect(isCanonicalMac('AP8', mac, 'base64url')).toBe(true);
  expect(isCanonicalMac('AP9', mac, 'base64url')).toBe(false); // 18 bits for 16: decodes to the same two bytes
  expect(Buffer.from('AP9', 'base64url').equals(mac)).toBe(true);
  expect(isCanonicalMac('AP8=', mac, 'base64url')).toBe(false);
});
