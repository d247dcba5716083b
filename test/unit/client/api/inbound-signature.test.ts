import crypto from 'node:crypto';
import { signInbound, verifyInbound } from '../../../../client/api/inbound-signature';

const SECRET = 'inbound-secret-for-tests';
const BODY = '{"from":"a@b.test","subject":"Re: hi"}';
const T = 1_767_225_600; // 2026-01-01T00:00:00Z
const TOLERANCE = 300;

test('the header is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">, worked out independently', () => {
  const hex = crypto.createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
  expect(signInbound(SECRET, BODY, T + 0.9)).toBe(`t=${T},v1=${hex}`);
});

test('a signature made now is accepted up to the tolerance on either side, and refused one second past it', () => {
  const h = signInbound(SECRET, BODY, T);
  expect(verifyInbound(SECRET, h, BODY, T, TOLERANCE)).toBeNull();
  expect(verifyInbound(SECRET, h, BODY, T + 300, TOLERANCE)).toBeNull();
  expect(verifyInbound(SECRET, h, BODY, T - 300, TOLERANCE)).toBeNull();
  expect(verifyInbound(SECRET, h, BODY, T + 301, TOLERANCE)?.problem).toBe('signature_expired');
  expect(verifyInbound(SECRET, h, BODY, T - 301, TOLERANCE)?.problem).toBe('signature_expired');
  // a day later: the replay of a captured request
  expect(verifyInbound(SECRET, h, BODY, T + 86_400, TOLERANCE)?.problem).toBe('signature_expired');
});

test('moving the signed time forward breaks the MAC (the time is part of the signed material)', () => {
  const h = signInbound(SECRET, BODY, T);
  const moved = h.replace(`t=${T}`, `t=${T + 86_400}`);
  expect(verifyInbound(SECRET, moved, BODY, T + 86_400, TOLERANCE)?.problem).toBe('signature_mismatch');
});

test('another body, another secret: a mismatch', () => {
  const h = signInbound(SECRET, BODY, T);
  expect(verifyInbound(SECRET, h, BODY + ' ', T, TOLERANCE)?.problem).toBe('signature_mismatch');
  expect(verifyInbound('another-secret-123', h, BODY, T, TOLERANCE)?.problem).toBe('signature_mismatch');
});

test('only the canonical spelling: lowercase hex, no old sha256= form, nothing around it', () => {
  const h = signInbound(SECRET, BODY, T);
  const hex = h.slice(h.indexOf('v1=') + 3);
  const b64 = Buffer.from(hex, 'hex').toString('base64');
  for (const bad of [
    `t=${T},v1=${hex.toUpperCase()}`,
    `sha256=${crypto.createHmac('sha256', SECRET).update(BODY).digest('hex')}`,
    `t=${T},v1=${b64}`,
    ` ${h}`,
    `${h},v1=${hex}`,
    `v1=${hex},t=${T}`,
    `t=${T}.0,v1=${hex}`,
  ]) {
    expect(verifyInbound(SECRET, bad, BODY, T, TOLERANCE)?.problem).toBe('signature_malformed');
  }
});

test('no header: signature_missing', () => {
  expect(verifyInbound(SECRET, undefined, BODY, T, TOLERANCE)?.problem).toBe('signature_missing');
  expect(verifyInbound(SECRET, '', BODY, T, TOLERANCE)?.problem).toBe('signature_missing');
});
