/** Net Promoter Score (README "What happens to a lead" follow_up, §7 metrics). Pure. */
export type NpsClass = 'detractor' | 'passive' | 'promoter';

export function isValidScore(score: unknown): score is number {
  return typeof score === 'number' && Number.isInteger(score) && score >= 0 && score <= 10;
}

export function npsClass(score: number): NpsClass {
  if (score >= 9) return 'promoter';
  if (score >= 7) return 'passive';
  return 'detractor';
}

/** NPS over a set of answers: % promoters − % detractors, −100…100 (null without answers). */
export function computeNps(scores: number[], surveysSent?: number) {
  const counts = { promoters: 0, passives: 0, detractors: 0 };
  for (const s of scores) {
    const c = npsClass(s);
    if (c === 'promoter') counts.promoters++;
    else if (c === 'passive') counts.passives++;
    else counts.detractors++;
  }
  const n = scores.length;
  const nps = n ? Math.round(((counts.promoters - counts.detractors) / n) * 1000) / 10 : null;
  return {
    nps,
    responses: n,
    ...counts,
    responseRate: surveysSent ? Math.round((n / surveysSent) * 1000) / 1000 : null,
  };
}
