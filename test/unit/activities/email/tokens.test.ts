import { InvalidTokenError, signToken, verifyToken, type InvalidTokenReason } from '../../../../store/email/tokens';

const SECRET = 'test-signing-secret-0123456789';
const NOW = Date.parse('2026-04-10T10:00:00Z');

function refusal(fn: () => unknown): InvalidTokenReason {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidTokenError);
    expect((err as Error).name).toBe('InvalidTokenError');
    return (err as InvalidTokenError).reason;
  }
  throw new Error('the token was accepted');
}

describe('signed tokens', () => {
  it('round-trips a payload and is URL-safe', () => {
    const payload = {
      p: 'u' as const,
      l: 'lead-42',
      e: 'ada@example.test',
      x: NOW + 60_000,
      n: 'abc',
      lc: 'fa' as const,
    };
    const token = signToken(SECRET, payload);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyToken(SECRET, token, 'u', NOW)).toEqual(payload);
  });

  it('leaves out fields that are not set, and never expires without x', () => {
    const token = signToken(SECRET, { p: 's', l: 'lead-1', e: undefined });
    expect(verifyToken(SECRET, token, 's', Number.MAX_SAFE_INTEGER)).toEqual({ p: 's', l: 'lead-1' });
  });

  it('refuses a forged signature, a tampered payload and another secret as forged', () => {
    const token = signToken(SECRET, { p: 'u', l: 'lead-42', e: 'ada@example.test' });
    const [payload, sig] = token.split('.');
    const flipped = `${payload}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    expect(refusal(() => verifyToken(SECRET, flipped, 'u', NOW))).toBe('forged');

    const otherPayload = Buffer.from(JSON.stringify({ p: 'u', l: 'lead-42', e: 'victim@example.test' })).toString(
      'base64url',
    );
    expect(refusal(() => verifyToken(SECRET, `${otherPayload}.${sig}`, 'u', NOW))).toBe('forged');

    expect(refusal(() => verifyToken('another-secret-0123456789', token, 'u', NOW))).toBe('forged');
  });

  it('refuses a token signed for another purpose', () => {
    const survey = signToken(SECRET, { p: 's', l: 'lead-42' });
    expect(refusal(() => verifyToken(SECRET, survey, 'u', NOW))).toBe('wrong_purpose');
  });

  it('refuses an expired token, from the moment it expires', () => {
    const token = signToken(SECRET, { p: 's', l: 'lead-42', x: NOW });
    expect(refusal(() => verifyToken(SECRET, token, 's', NOW))).toBe('expired');
    expect(refusal(() => verifyToken(SECRET, token, 's', NOW + 1))).toBe('expired');
    expect(verifyToken(SECRET, token, 's', NOW - 1).l).toBe('lead-42');
  });

  it('refuses malformed tokens', () => {
    for (const bad of [
      '',
      'abc',
      'a.b',
      '.',
      `${'x'.repeat(10)}.`,
      'a b.c',
      `${'a'.repeat(3000)}.${'b'.repeat(43)}`,
      'a/b.c',
    ]) {
      expect(refusal(() => verifyToken(SECRET, bad, 'u', NOW))).toBe('malformed');
    }
    expect(refusal(() => verifyToken(SECRET, undefined as unknown as string, 'u', NOW))).toBe('malformed');
  });

  it('will not sign an incomplete payload or with an empty secret', () => {
    expect(() => signToken(SECRET, { p: 'u', l: '' })).toThrow(TypeError);
    expect(() => signToken(SECRET, { p: 'x' as 'u', l: 'lead-1' })).toThrow(TypeError);
    expect(() => signToken('', { p: 'u', l: 'lead-1' })).toThrow(TypeError);
  });
});
