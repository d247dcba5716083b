/** Which content email answers an objection (workflows/policy/objections.ts). */
import { objectionCategory } from '../../../../workflows/policy/objections';

describe('objectionCategory', () => {
  it.each([
    ['too expensive for us', 'price'],
    ['Pricing is above our BUDGET', 'price'],
    ['asked for a discount', 'price'],
    ['قیمت بالاست', 'price'],
    ['they already use another tool', 'competitor'],
    ['evaluating a competitor', 'competitor'],
    ['رقیب ارزان‌تر است', 'competitor'],
    ['maybe next quarter', 'timing'],
    ['not now, too busy', 'timing'],
    ['بعدا تماس بگیرید', 'timing'],
    ['the CTO has to sign off', 'other'],
  ])('%j → %s', (note, category) => {
    expect(objectionCategory(note)).toBe(category);
  });

  it('checks price first, then competitor, then timing when a note names several', () => {
    expect(objectionCategory('a competitor is cheaper, call us next year')).toBe('price');
    expect(objectionCategory('we already have a vendor, maybe next year')).toBe('competitor');
  });

  it('is other without a note', () => {
    expect(objectionCategory(undefined)).toBe('other');
    expect(objectionCategory(null)).toBe('other');
    expect(objectionCategory('')).toBe('other');
  });

  it('matches whole words only', () => {
    expect(objectionCategory('we need a pricey-looking demo')).toBe('other'); // "pricey" is not "price"
    expect(objectionCategory('our timeline is fine')).toBe('other'); // "timeline" is not "time"
  });
});
