/**
 * The signature of `POST /v1/inbound/email` (README "Replies and matching"), in the form common
 * webhook signing schemes use: the sender signs the time with the raw body, so a captured request
 * cannot be replayed once the window has passed.
 *
 *   X-Dealflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
 *
 * The hex digest is lowercase, 64 characters: the one spelling accepted (compared in constant
 * time). A request whose `t` is more than the tolerance (`INBOUND_SIGNATURE_TOLERANCE_SECONDS`,
 * docs/CONFIG.md) before or after the API's clock is refused.
 */
import crypto from 'node:crypto';
import { isCanonicalMac } from '../../store/email/tokens';

/** Why a signature was refused: the API's `error.code` (401). */
export type InboundSignatureProblem =
  'signature_missing' | 'signature_malformed' | 'signature_expired' | 'signature_mismatch';

const HEADER = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/;

function mac(secret: string, t: number, rawBody: string): Buffer {
  return crypto.createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
}

/** The header value for `rawBody` signed at `nowSeconds` (unix seconds): what a sender computes. */
export function signInbound(secret: string, rawBody: string, nowSeconds: number): string {
  const t = Math.floor(nowSeconds);
  return `t=${t},v1=${mac(secret, t, rawBody).toString('hex')}`;
}

/**
 * Checks a header value against the raw body: `null` when it is good, else why not. The timestamp
 * is checked after the MAC, so an unsigned time is never reported as merely "expired".
 */
export function verifyInbound(
  secret: string,
  header: string | undefined,
  rawBody: string,
  nowSeconds: number,
  toleranceSeconds: number,
): { problem: InboundSignatureProblem; message: string } | null {
  if (!header)
    return {
      problem: 'signature_missing',
      message: 'missing X-Dealflow-Signature (t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">)',
    };
  const m = HEADER.exec(header);
  if (!m)
    return {
      problem: 'signature_malformed',
      message: 'X-Dealflow-Signature must be t=<unix seconds>,v1=<64 lowercase hex digits>',
    };
  const t = Number(m[1]);
  if (!isCanonicalMac(m[2], mac(secret, t, rawBody), 'hex'))
    return { problem: 'signature_mismatch', message: 'bad signature' };
  if (Math.abs(nowSeconds - t) > toleranceSeconds) {
    return {
      problem: 'signature_expired',
      message: `the signature's time t=${t} is more than ${toleranceSeconds} s from now: sign each request when you send it`,
    };
  }
  return null;
}
