/**
 * Exchange rates for converted money totals (README "Reporting", docs/CONFIG.md) as a
 * VersionedConfig: `{base, rates: {<ISO 4217 code>: price of one unit in base}}`, versioned and
 * audited like every other configuration document. None by default (version 0): reports then give
 * per-currency totals only. Validation: client/metrics/money.ts `validateRates`.
 */
import type Redis from 'ioredis';
import { DEFAULT_LEAD } from '../../config/defaults';
import { VersionedConfig } from './versioned-config';

export interface RatesBody {
  /** the ISO 4217 currency converted totals are given in */
  base: string;
  /** per currency, the price of one unit of it in `base` (EUR 1.08 with base USD: 1 EUR = 1.08 USD) */
  rates: Record<string, number>;
}

export function ratesStore(redis: Redis, prefix: string): VersionedConfig<RatesBody> {
  return new VersionedConfig<RatesBody>(redis, prefix, 'rates', () => ({ base: DEFAULT_LEAD.currency, rates: {} }));
}
