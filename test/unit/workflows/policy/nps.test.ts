/** Net Promoter Score (workflows/policy/nps.ts): classes of every score and the score over answers. */
import { computeNps, isValidScore, npsClass } from '../../../../workflows/policy/nps';

describe('isValidScore', () => {
  it('accepts the whole numbers 0..10', () => {
    for (let s = 0; s <= 10; s++) expect(isValidScore(s)).toBe(true);
  });

  it.each([-1, 11, 7.5, Number.NaN, Number.POSITIVE_INFINITY, '9', null, undefined, true])('refuses %p', (s) => {
    expect(isValidScore(s)).toBe(false);
  });
});

describe('npsClass', () => {
  it('0–6 are detractors, 7–8 passives, 9–10 promoters', () => {
    const classes = Array.from({ length: 11 }, (_, s) => npsClass(s));
    expect(classes).toEqual([
      'detractor',
      'detractor',
      'detractor',
      'detractor',
      'detractor',
      'detractor',
      'detractor',
      'passive',
      'passive',
      'promoter',
      'promoter',
    ]);
  });
});

describe('computeNps', () => {
  it('is null without answers, and so is the response rate without surveys sent', () => {
    expect(computeNps([])).toEqual({
      nps: null,
      responses: 0,
      promoters: 0,
      passives: 0,
      detractors: 0,
      responseRate: null,
    });
    expect(computeNps([], 0)).toMatchObject({ responseRate: null });
    expect(computeNps([], 4)).toMatchObject({ nps: null, responseRate: 0 });
  });

  it('is % promoters − % detractors; passives count only in the total', () => {
    expect(computeNps([10, 9, 8, 7, 6, 0])).toEqual({
      nps: 0,
      responses: 6,
      promoters: 2,
      passives: 2,
      detractors: 2,
      responseRate: null,
    });
    expect(computeNps([10, 10, 10, 6])).toMatchObject({ nps: 50 });
    expect(computeNps([9, 8, 8, 8])).toMatchObject({ nps: 25 });
  });

  it('runs from −100 (all detractors) to 100 (all promoters)', () => {
    expect(computeNps([0, 3, 6]).nps).toBe(-100);
    expect(computeNps([9, 10]).nps).toBe(100);
    expect(computeNps([7, 8]).nps).toBe(0);
  });

  it('rounds the score to one decimal and the response rate to three', () => {
    expect(computeNps([9, 0, 0], 7)).toMatchObject({ nps: -33.3, responseRate: 0.429 });
    expect(computeNps([10, 10, 0], 3)).toMatchObject({ nps: 33.3, responseRate: 1 });
  });
});
