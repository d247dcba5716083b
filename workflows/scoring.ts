/** Recomputes the fit score from what the lead knows (collected data, company, qualification). */
import { scoreLead } from './policy/scoring';
import type { HistoryEntry, LeadState } from './types';

export function rescore(
  state: LeadState,
  record: (e: Omit<HistoryEntry, 'at' | 'actor'> & { actor?: string }) => void,
): void {
  const e = state.enrichment ?? {};
  if (!e.domain) return;
  const company = e.company ?? null;
  const { score, reasons } = scoreLead({
    email: state.email,
    domain: String(e.domain),
    freeMailDomain: !!e.freeMail,
    mx: (e.mx as 'valid' | 'none' | 'unknown') ?? 'unknown',
    company,
    title: state.title,
    source: state.source,
    qualification: state.qualification,
    duplicateOf: (e.duplicateOf as string | null) ?? null,
  });
  if (score === state.score && reasons.join('|') === state.scoreReasons.join('|')) return;
  const before = state.score;
  state.score = score;
  state.scoreReasons = reasons;
  record({
    type: 'automation',
    cause: `fit score ${before === null ? '' : `${before} → `}${score}: ${reasons.join('; ')}`,
    data: { score },
  });
}
