/** The money module (client/metrics/money.ts): ISO 4217 minor units, per-currency sums, formatting, conversion. */
import {
  amountProblem,
  convert,
  currencyInfo,
  formatConverted,
  formatMoney,
  formatTotals,
  isCurrency,
  minorUnits,
  roundMoney,
  scale,
  toMinor,
  totals,
  validateRates,
} from '../../../client/metrics/money';

test('minor units come from the ISO 4217 list: JPY none, EUR two, BHD three', () => {
  expect(minorUnits('JPY')).toBe(0);
  expect(minorUnits('EUR')).toBe(2);
  expect(minorUnits('BHD')).toBe(3);
  expect(minorUnits('CLF')).toBe(4);
  expect(currencyInfo('BHD')).toEqual({ code: 'BHD', name: 'Bahraini Dinar', minorUnits: 3 });
  expect(toMinor(12.5, 'EUR')).toBe(1250);
  expect(toMinor(1.125, 'BHD')).toBe(1125);
  expect(roundMoney(1500.6, 'JPY')).toBe(1501);
});

test('codes: known currencies only, upper case, no metals or test codes', () => {
  for (const ok of ['EUR', 'JPY', 'BHD', 'USD', 'IRR']) expect(isCurrency(ok)).toBe(true);
  for (const bad of ['ZZZ', 'eur', 'EURO', 'XAU', 'XTS', 'XXX', '', 'E1R']) expect(isCurrency(bad)).toBe(false);
});

test('an amount keeps its currency minor unit', () => {
  expect(amountProblem(10_000_000, 'JPY')).toBeNull();
  expect(amountProblem(10.5, 'JPY')).toBe('JPY has no minor unit: a whole number');
  expect(amountProblem(0.29, 'EUR')).toBeNull();
  expect(amountProblem(1.005, 'EUR')).toBe('EUR has 2 decimal places at most');
  expect(amountProblem(1.125, 'BHD')).toBeNull();
  expect(amountProblem(1.1255, 'BHD')).toBe('BHD has 3 decimal places at most');
});

test('sums are per currency, in minor units, sorted, zero totals left out, no currency = the default', () => {
  expect(
    totals([
      { currency: 'JPY', amount: 10_000_000 },
      { currency: 'EUR', amount: 60_000 },
      { currency: 'EUR', amount: 0.1 },
      { currency: 'EUR', amount: 0.2 },
      { currency: 'BHD', amount: 0 },
      { currency: null, amount: 5 },
    ]),
  ).toEqual([
    { currency: 'EUR', amount: 60_000.3 },
    { currency: 'JPY', amount: 10_000_000 },
    { currency: 'USD', amount: 5 },
  ]);
  expect(
    scale(
      [
        { currency: 'JPY', amount: 1001 },
        { currency: 'BHD', amount: 1.001 },
      ],
      0.5,
    ),
  ).toEqual([
    { currency: 'JPY', amount: 501 },
    { currency: 'BHD', amount: 0.501 },
  ]);
});

test('formatting uses the currency symbol and its minor unit', () => {
  expect(formatMoney(10_000_000, 'JPY')).toBe('¥10,000,000');
  expect(formatMoney(60_000, 'EUR')).toBe('€60,000.00');
  expect(formatMoney(1.5, 'BHD')).toBe('BHD\u00a01.500');
  expect(
    formatTotals([
      { currency: 'EUR', amount: 60_000 },
      { currency: 'JPY', amount: 10_000_000 },
    ]),
  ).toBe('€60,000.00 · ¥10,000,000');
  expect(formatTotals([])).toBe('–');
});

describe('conversion with versioned rates', () => {
  const values = [
    { currency: 'EUR', amount: 60_000 },
    { currency: 'JPY', amount: 10_000_000 },
  ];

  test('into the base currency, labelled with the rates version', () => {
    const c = convert(values, { base: 'USD', rates: { EUR: 1.08, JPY: 0.0067 }, version: 2 });
    // 60000 × 1.08 + 10,000,000 × 0.0067 = 64800 + 67000
    expect(c).toEqual({ currency: 'USD', amount: 131_800, ratesVersion: 2, missingRates: [] });
    expect(formatConverted(c)).toBe('≈ $131,800.00 (converted, rates v2)');
  });

  test('the base currency needs no rate; the result keeps the base minor unit', () => {
    expect(
      convert(
        [
          { currency: 'JPY', amount: 100 },
          { currency: 'EUR', amount: 1 },
        ],
        { base: 'JPY', rates: { EUR: 161.237 }, version: 1 },
      ).amount,
    ).toBe(261);
  });

  test('a missing rate is named, and no total is given', () => {
    const c = convert(values, { base: 'USD', rates: { EUR: 1.08 }, version: 5 });
    expect(c).toEqual({ currency: 'USD', amount: null, ratesVersion: 5, missingRates: ['JPY'] });
    expect(formatConverted(c)).toBe('no USD total: no rate for JPY (rates v5)');
  });
});

test('rates documents are validated field by field', () => {
  expect(validateRates({ base: 'USD', rates: { JPY: 0.0067, EUR: 1.08 } })).toEqual({
    rates: { base: 'USD', rates: { EUR: 1.08, JPY: 0.0067 } },
    problems: [],
  });
  expect(validateRates({ base: 'usd', rates: { ZZZ: 1, EUR: -1, GBP: 'x' }, extra: 1 }).problems).toEqual([
    { path: 'extra', message: 'unknown field' },
    { path: 'base', message: 'an ISO 4217 currency code such as EUR' },
    { path: 'rates.ZZZ', message: 'not an ISO 4217 currency code' },
    { path: 'rates.EUR', message: 'a number greater than 0' },
    { path: 'rates.GBP', message: 'a number greater than 0' },
  ]);
  expect(validateRates({ base: 'USD', rates: { USD: 1 } }).problems).toEqual([
    { path: 'rates.USD', message: 'the base currency has no rate (it is 1)' },
  ]);
  expect(validateRates({ base: 'USD' }).problems).toEqual([
    { path: 'rates', message: 'an object of currency → price of one unit in the base currency' },
  ]);
});
