/** Which content email answers an objection, from the rep's notes (README "What happens to a lead" objections). Pure. */
export type ObjectionCategory = 'price' | 'timing' | 'competitor' | 'other';

const RULES: [ObjectionCategory, RegExp][] = [
  ['price', /\b(price|pricing|cost|costs|expensive|budget|discount|cheaper)\b|قیمت|هزینه|بودجه/i],
  ['competitor', /\b(competitor|competition|alternative|vendor|already (use|have))\b|رقیب/i],
  ['timing', /\b(later|next (quarter|year|month)|timing|not now|busy|time)\b|زمان|بعدا/i],
];

export function objectionCategory(note: string | undefined | null): ObjectionCategory {
  const text = note ?? '';
  for (const [cat, re] of RULES) if (re.test(text)) return cat;
  return 'other';
}
