/**
 * Signed tokens for the public links in our email (README "HTTP API"): unsubscribe (`/u/<token>`, purpose
 * `u`) and the satisfaction survey (`/s/<token>`, purpose `s`).
 *
 *   token = base64url(JSON payload) + "." + base64url(HMAC-SHA256(SIGNING_SECRET, "dealflow-token:v1." + payloadPart))
 *
 * The signature is checked (in constant time) before the payload is even parsed, so nothing an
 * attacker sends is interpreted unless we signed it. The MAC input carries a domain tag, so a
 * signature made with the same secret for something else (a webhook body) never verifies here.
 * Tokens are stateless: the payload names the lead and, for unsubscribe, the address to suppress.
 */
import crypto from 'node:crypto';

export type TokenPurpose = 'u' | 's';

export interface TokenPayload {
  /** purpose: `u` unsubscribe, `s` survey */
  p: TokenPurpose;
  /** lead id */
  l: string;
  /** the recipient's address (unsubscribe: the address to suppress) */
  e?: string;
  /** expiry, epoch milliseconds; absent = never expires */
  x?: number;
  /** a nonce or sub-id (e.g. which survey) */
  n?: string;
  /** the recipient's locale, for the page the link opens; absent = en */
  lc?: 'en' | 'fa';
}

export type InvalidTokenReason = 'forged' | 'expired' | 'malformed' | 'wrong_purpose';

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
  constructor(
    public readonly reason: InvalidTokenReason,
    message = `invalid token (${reason})`,
  ) {
    super(message);
  }
}

const MAC_DOMAIN = 'dealflow-token:v1.';
/** Longer than any token we sign (a 128-char lead id and a 254-char address fit well below). */
const MAX_TOKEN_LENGTH = 2048;
const SHAPE = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{43}$/;

function mac(secret: string, payloadPart: string): Buffer {
  return crypto
    .createHmac('sha256', secret)
    .update(MAC_DOMAIN + payloadPart)
    .digest();
}

/**
 * Whether `given` is exactly the canonical spelling of the MAC `expected` in `encoding` (base64url
 * without padding, or lowercase hex), compared in constant time on those bytes. Decoding `given`
 * instead would accept other spellings of one MAC: base64url's last character carries two unused
 * bits (four spellings of every 32-byte MAC), hex has upper case, base64 has `+/=`.
 */
export function isCanonicalMac(given: string, expected: Buffer, encoding: 'base64url' | 'hex'): boolean {
  const want = Buffer.from(expected.toString(encoding), 'latin1');
  const got = Buffer.from(given, 'latin1');
  return got.length === want.length && crypto.timingSafeEqual(got, want);
}

function requireSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('a signing secret is required');
}

/** Keeps only the fields a token may carry, dropping undefined ones (shorter links). */
function compact(payload: TokenPayload): TokenPayload {
  const out: TokenPayload = { p: payload.p, l: payload.l };
  if (payload.e !== undefined) out.e = payload.e;
  if (payload.x !== undefined) out.x = payload.x;
  if (payload.n !== undefined) out.n = payload.n;
  if (payload.lc !== undefined) out.lc = payload.lc;
  return out;
}

function isPayload(v: unknown): v is TokenPayload {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (
    (o.p === 'u' || o.p === 's') &&
    typeof o.l === 'string' &&
    o.l.length > 0 &&
    (o.e === undefined || typeof o.e === 'string') &&
    (o.x === undefined || (typeof o.x === 'number' && Number.isFinite(o.x))) &&
    (o.n === undefined || typeof o.n === 'string') &&
    (o.lc === undefined || o.lc === 'en' || o.lc === 'fa')
  );
}

/** Signs a payload; the result is URL-safe (`[A-Za-z0-9_-]+.[A-Za-z0-9_-]+`). */
export function signToken(secret: string, payload: TokenPayload): string {
  requireSecret(secret);
  const clean = compact(payload);
  if (!isPayload(clean)) throw new TypeError('a token payload needs p ("u" or "s") and a lead id l');
  const payloadPart = Buffer.from(JSON.stringify(clean), 'utf8').toString('base64url');
  return `${payloadPart}.${mac(secret, payloadPart).toString('base64url')}`;
}

/**
 * Returns the payload of a token we signed for `purpose` that has not expired at `nowMs`; otherwise
 * throws InvalidTokenError with the reason. Checks, in order: shape (malformed), signature (forged),
 * payload (malformed), purpose (wrong_purpose), expiry (expired).
 */
export function verifyToken(
  secret: string,
  token: string,
  purpose: TokenPurpose,
  nowMs: number = Date.now(),
): TokenPayload {
  requireSecret(secret);
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !SHAPE.test(token)) {
    throw new InvalidTokenError('malformed', 'the link is malformed');
  }
  const dot = token.indexOf('.');
  const payloadPart = token.slice(0, dot);
  // the one canonical spelling of the signature (base64url, no padding): its byte-equal twins are refused
  if (!isCanonicalMac(token.slice(dot + 1), mac(secret, payloadPart), 'base64url')) {
    throw new InvalidTokenError('forged', 'the link is not valid');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidTokenError('malformed', 'the link is malformed');
  }
  if (!isPayload(payload)) throw new InvalidTokenError('malformed', 'the link is malformed');
  if (payload.p !== purpose) throw new InvalidTokenError('wrong_purpose', 'the link is not meant for this page');
  if (payload.x !== undefined && nowMs >= payload.x) throw new InvalidTokenError('expired', 'the link has expired');
  return payload;
}
