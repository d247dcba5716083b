/**
 * ISO 4217 currency data for lead values and won amounts (README "Lead input"): codes and minor
 * units from the `currency-codes` package (plain data, so usable from workflow code). JPY has no
 * minor unit, EUR two, BHD three. Codes that are not money a deal is priced in (gold, silver, bond
 * units, the testing and "no currency" codes) are refused. Pure: no I/O.
 */
import { code as isoCurrency } from 'currency-codes';

/** ISO 4217 entries that are not a currency a deal is priced in (precious metals, bond units, test, none). */
const NOT_MONEY = /^Zz/;

/** The ISO 4217 record of a code a deal may be priced in, else undefined (upper case only: `EUR`). */
export function currencyInfo(code: string): { code: string; name: string; minorUnits: number } | undefined {
  if (typeof code !== 'string' || !/^[A-Z]{3}$/.test(code)) return undefined;
  const r = isoCurrency(code);
  if (!r || r.countries.every((c) => NOT_MONEY.test(c))) return undefined;
  return { code: r.code, name: r.currency, minorUnits: r.digits };
}

export const isCurrency = (code: string): boolean => currencyInfo(code) !== undefined;

/** Digits after the decimal point for `currency` (JPY 0, EUR 2, BHD 3); 2 for a code ISO doesn't know. */
export function minorUnits(currency: string): number {
  return currencyInfo(currency)?.minorUnits ?? 2;
}

/** The problem with `amount` in `currency`, or null: more decimals than the currency has is one. */
export function amountProblem(amount: number, currency: string): string | null {
  const digits = minorUnits(currency);
  // the shortest decimal that is this double (0.29 stays 0.29) rounded to the minor unit: unchanged or not
  if (Number(amount.toFixed(digits)) !== amount) {
    return digits === 0
      ? `${currency} has no minor unit: a whole number`
      : `${currency} has ${digits} decimal places at most`;
  }
  return null;
}
