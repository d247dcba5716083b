/**
 * Money in its currency (README "Reporting": amounts are never added across currencies).
 *
 * - Currency data (codes, minor units) comes from the ISO 4217 list of the `currency-codes` package
 *   (workflows/policy/currency.ts): JPY has no minor unit, EUR two, BHD three.
 * - A sum of amounts is kept per currency: `Money[]`, one entry per currency, sorted by code.
 *   Amounts are added in integer minor units, so 0.1 + 0.2 EUR is 0.30, not 0.30000000000000004.
 * - A converted total uses the `rates` configuration (store/config/rates-store.ts, docs/CONFIG.md):
 *   `rates[C]` is the price of one unit of C in the `base` currency. It is labelled with the base
 *   currency and the rates' version, and when a currency has no rate the total is `null` and
 *   `missingRates` names that currency: a figure is never silently short.
 * Pure: no I/O.
 */
import { DEFAULT_LEAD } from '../../config/defaults';
import type { RatesBody } from '../../store/config/rates-store';
import { amountProblem, currencyInfo, isCurrency, minorUnits } from '../../workflows/policy/currency';

export { amountProblem, currencyInfo, isCurrency, minorUnits };

/** An amount in major units (EUR 12.5 = 12 euros 50 cents) of one ISO 4217 currency. */
export interface Money {
  currency: string;
  amount: number;
}

/** A total converted into the rates' base currency. `amount` is null when `missingRates` is not empty. */
export interface Converted {
  currency: string;
  amount: number | null;
  ratesVersion: number;
  missingRates: string[];
}

export type { RatesBody };
/** The `rates` configuration document: one unit of `C` costs `rates[C]` units of `base`. */
export type RatesDoc = RatesBody & { version: number };

/** The currency of a lead or a figure that names none (config/defaults.ts). */
export const DEFAULT_CURRENCY = DEFAULT_LEAD.currency;

/** `amount` in integer minor units of `currency` (JPY 1500 → 1500, EUR 12.5 → 1250). */
export function toMinor(amount: number, currency: string): number {
  // 15 significant digits first: 0.5005 × 1000 is 500.49999999999994 in binary, and should round to 501
  return Math.round(Number((amount * 10 ** minorUnits(currency)).toPrecision(15)));
}
function fromMinor(minor: number, currency: string): number {
  const digits = minorUnits(currency);
  return Number((minor / 10 ** digits).toFixed(digits));
}

/** Rounds an amount to the currency's minor unit (JPY 0.6 → 1, EUR 0.125 → 0.13). */
export const roundMoney = (amount: number, currency: string): number => fromMinor(toMinor(amount, currency), currency);

/** Adds amounts per currency; a missing currency is the default one. Zero totals are left out. */
export class MoneyTotals {
  private readonly minor = new Map<string, number>();

  add(currency: string | undefined | null, amount: number): this {
    const c = currency || DEFAULT_CURRENCY;
    if (Number.isFinite(amount) && amount !== 0) this.minor.set(c, (this.minor.get(c) ?? 0) + toMinor(amount, c));
    return this;
  }
  addAll(values: readonly Money[]): this {
    for (const v of values) this.add(v.currency, v.amount);
    return this;
  }
  /** The totals, one per currency, by currency code. */
  list(): Money[] {
    return [...this.minor.entries()]
      .filter(([, m]) => m !== 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, m]) => ({ currency, amount: fromMinor(m, currency) }));
  }
}

/** Sum per currency of a list of amounts. */
export const totals = (items: Iterable<{ currency?: string | null; amount: number }>): Money[] => {
  const t = new MoneyTotals();
  for (const i of items) t.add(i.currency, i.amount);
  return t.list();
};

/** Each amount × factor, rounded to its currency's minor unit (the weighted forecast). */
export const scale = (values: readonly Money[], factor: number): Money[] =>
  values
    .map((v) => ({ currency: v.currency, amount: roundMoney(v.amount * factor, v.currency) }))
    .filter((v) => v.amount !== 0);

/** The per-currency amounts as one figure in the rates' base currency (see the module comment). */
export function convert(values: readonly Money[], rates: RatesDoc): Converted {
  const missing = new Set<string>();
  let sum = 0;
  for (const v of values) {
    const rate = v.currency === rates.base ? 1 : rates.rates[v.currency];
    if (typeof rate !== 'number') missing.add(v.currency);
    else sum += v.amount * rate;
  }
  const missingRates = [...missing].sort();
  return {
    currency: rates.base,
    amount: missingRates.length ? null : roundMoney(sum, rates.base),
    ratesVersion: rates.version,
    missingRates,
  };
}

/** `amount` formatted for `locale` with the currency's symbol and its ISO minor unit (JPY ¥1,500; BHD 1.250). */
export function formatMoney(amount: number, currency: string, locale = 'en'): string {
  const digits = minorUnits(currency);
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount);
  } catch {
    return `${amount.toFixed(digits)} ${currency}`;
  }
}

/** Per-currency amounts as one line: `¥10,000,000 · €60,000.00`; `–` when there are none. */
export const formatTotals = (values: readonly Money[], locale = 'en'): string =>
  values.length ? values.map((v) => formatMoney(v.amount, v.currency, locale)).join(' · ') : '–';

/** A converted total as text: `≈ $75,000.00 (rates v3)`, or what it is missing. */
export function formatConverted(c: Converted | undefined, locale = 'en'): string {
  if (!c) return '';
  if (c.amount === null)
    return `no ${c.currency} total: no rate for ${c.missingRates.join(', ')} (rates v${c.ratesVersion})`;
  return `≈ ${formatMoney(c.amount, c.currency, locale)} (converted, rates v${c.ratesVersion})`;
}

type Problem = { path: string; message: string };

/** Validates a `rates` document as sent in `PUT /v1/config/rates` (it replaces the whole document). */
export function validateRates(body: unknown): { rates?: RatesBody; problems: Problem[] } {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { problems: [{ path: '(body)', message: 'an object {base, rates}' }] };
  const problems: Problem[] = Object.keys(b)
    .filter((k) => k !== 'base' && k !== 'rates')
    .map((k) => ({ path: k, message: 'unknown field' }));
  if (typeof b.base !== 'string' || !isCurrency(b.base))
    problems.push({ path: 'base', message: 'an ISO 4217 currency code such as EUR' });
  const out: Record<string, number> = {};
  if (!b.rates || typeof b.rates !== 'object' || Array.isArray(b.rates))
    problems.push({ path: 'rates', message: 'an object of currency → price of one unit in the base currency' });
  else {
    for (const [c, r] of Object.entries(b.rates as Record<string, unknown>)) {
      if (!isCurrency(c)) problems.push({ path: `rates.${c}`, message: 'not an ISO 4217 currency code' });
      else if (c === b.base) problems.push({ path: `rates.${c}`, message: 'the base currency has no rate (it is 1)' });
      else if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0 || r > 1e9)
        problems.push({ path: `rates.${c}`, message: 'a number greater than 0' });
      else out[c] = r;
    }
  }
  return problems.length
    ? { problems }
    : {
        rates: {
          base: b.base as string,
          rates: Object.fromEntries(Object.entries(out).sort(([a], [c]) => a.localeCompare(c))),
        },
        problems,
      };
}
