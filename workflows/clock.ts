/**
 * Time inside a workflow. The Temporal workflow sandbox replaces `Date` with a deterministic clock
 * (the time of the current workflow task, identical on replay), so reading it here is safe. This is
 * the only place workflow code asks for the time; everything else calls nowMs()/nowIso().
 */
export const nowMs = (): number => new Date().getTime();
export const nowIso = (): string => new Date(nowMs()).toISOString();
