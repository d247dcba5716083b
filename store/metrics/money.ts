/**
 * Amounts as integer minor units, by the ISO 4217 digits of their currency (the `currency-codes`
 * package: JPY has 0 digits, EUR 2, BHD 3). The board counters add minor units only, so a sum never
 * picks up floating-point error and never mixes currencies (docs/ARCHITECTURE.md, lead facts).
 */
import { code as currencyCode } from 'currency-codes';

/** Digits assumed for a well-formed code that ISO 4217 does not list. */
const UNKNOWN_CURRENCY_DIGITS = 2;

/** The ISO 4217 minor-unit digits of a currency code (2 for a code the standard does not list). */
function minorDigits(currency: string): number {
  return currencyCode(currency)?.digits ?? UNKNOWN_CURRENCY_DIGITS;
}

/** True for a three-letter upper-case code (the form the lead input accepts). */
export const isCurrencyCode = (c: unknown): c is string => typeof c === 'string' && /^[A-Z]{3}$/.test(c);

/**
 * A major-unit amount in minor units, rounded half away from zero on its decimal form (1.005 EUR is
 * 101 cents, not 100). Missing (undefined/null) is 0. Null for an amount that is not a finite number
 * ≥ 0 or whose minor units are beyond 2^53 − 1 (no longer exact).
 */
export function toMinor(value: unknown, currency: string): number | null {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return null;
  const d = minorDigits(currency);
  const text = String(value);
  const minor = text.includes('e') ? Math.round(value * 10 ** d) : Math.round(Number(`${text}e${d}`));
  return Number.isSafeInteger(minor) ? minor : null;
}

/** Minor units back to a major-unit number (exact to the currency's digits). */
export function fromMinor(minor: number, currency: string): number {
  const d = minorDigits(currency);
  return d === 0 ? minor : Number((minor / 10 ** d).toFixed(d));
}
