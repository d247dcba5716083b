/**
 * Email and domain normalisation: the one form of an address used everywhere — lead input and lead
 * ids, the address index (one lead per person), inbound reply matching, the suppression list, the
 * MX check and the enrichment cache key (README "One lead per person").
 */
import crypto from 'node:crypto';
import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';
import { CONTROL_CHAR_CLASS } from '../../workflows/policy/text';
import { InvalidInputError } from '../errors';

/** Well-known free / consumer mail providers (exact domain match, lower-case ASCII). */
const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.co.uk',
  'yahoo.fr',
  'yahoo.de',
  'ymail.com',
  'rocketmail.com',
  'outlook.com',
  'hotmail.com',
  'hotmail.co.uk',
  'hotmail.fr',
  'hotmail.de',
  'live.com',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'pm.me',
  'gmx.de',
  'gmx.net',
  'gmx.com',
  'web.de',
  't-online.de',
  'yandex.ru',
  'yandex.com',
  'ya.ru',
  'mail.ru',
  'bk.ru',
  'inbox.ru',
  'list.ru',
  'rambler.ru',
  'zoho.com',
  'tutanota.com',
  'tuta.io',
  'fastmail.com',
  'hey.com',
  'mail.com',
  'qq.com',
  '163.com',
  '126.com',
  'naver.com',
  'seznam.cz',
  'libero.it',
  'orange.fr',
  'free.fr',
]);

const MAX_EMAIL = 254;
const LOCAL_PART = new RegExp(`^[^\\s@<>()[\\]\\\\,;:"${CONTROL_CHAR_CLASS}]{1,64}$`);
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** ASCII (punycode) form of a host name, lower-case, without a trailing dot; '' when it is not one. */
export function normaliseDomain(domain: string): string {
  const trimmed = domain.trim().toLowerCase().replace(/\.$/, '');
  if (!trimmed || trimmed.length > 253) return '';
  const ascii = domainToASCII(trimmed);
  if (!ascii || ascii.length > 253) return '';
  const labels = ascii.split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) ? ascii : '';
}

/**
 * The normalised address: trimmed, lower-case, domain in ASCII. Plus-tags and dots are kept
 * (they are real addresses at most providers). Throws InvalidInputError (never retried) for
 * something that is not an address.
 */
export function normaliseEmail(email: string): string {
  const text = typeof email === 'string' ? email.trim().normalize('NFC').toLowerCase() : '';
  const at = text.lastIndexOf('@');
  const local = at > 0 ? text.slice(0, at) : '';
  const domain = at > 0 ? normaliseDomain(text.slice(at + 1)) : '';
  const out = `${local}@${domain}`;
  if (!LOCAL_PART.test(local) || !domain || out.length > MAX_EMAIL) {
    throw new InvalidInputError(`not an email address: ${JSON.stringify(String(email).slice(0, 100))}`);
  }
  return out;
}

/**
 * The normalised address of a header such as From (`"Mina R" <MINA.Reply@EXAMPLE.ORG>` →
 * `mina.reply@example.org`): display names, angle brackets, comments and whitespace are dropped
 * (RFC 5322 parsing by nodemailer's addressparser); the first address counts. Throws
 * InvalidInputError when the header holds no address.
 */
export function addressFromHeader(header: string): string {
  const first = addressparser(String(header ?? ''), { flatten: true }).find((a) => a.address);
  return normaliseEmail(first?.address ?? String(header ?? ''));
}

/** The normalised domain of an address (`Ada@Example.COM` → `example.com`). */
export function domainOf(email: string): string {
  const normal = normaliseEmail(email);
  return normal.slice(normal.lastIndexOf('@') + 1);
}

/** True for a consumer mail provider's domain (gmail.com, …). */
export function isFreeMailDomain(domain: string): boolean {
  return FREE_MAIL_DOMAINS.has(normaliseDomain(domain) || domain.trim().toLowerCase());
}

/** A lead id from its normalised email: stable, URL-safe and free of the address itself. */
export function leadIdFromEmail(email: string): string {
  return 'e-' + crypto.createHash('sha256').update(normaliseEmail(email)).digest('hex').slice(0, 24);
}
