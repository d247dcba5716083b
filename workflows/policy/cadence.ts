/**
 * The approach-stage email cadence (README "What happens to a lead"; docs/ARCHITECTURE.md §9; README "HTTP API"). Pure: no Temporal import, no clock.
 *
 * `after` is the delay after the previous step's send time (the first step's: after entering
 * `approach`), in the SDK's duration format. It is elapsed time ("2d" = 48 h), not calendar days,
 * so across a DST change the due wall time shifts by the hour; each send time is then pushed into
 * the cadence's business window in the lead's time zone.
 *
 * The workflow plans one step at a time with nextStepTime() from the step it actually sent, so a
 * cadence changed meanwhile reaches the lead at its next step; planCadence() is the whole schedule
 * as it would run today (for the API's "next scheduled action", the CLI and tests).
 */
import type { BusinessHours } from '../../config/defaults';
import { businessHoursProblems, nextBusinessTime } from './business-hours';
import { durationMs, durationProblem } from './duration';

export interface CadenceStep {
  after: string;
  template: string;
}

export interface Cadence {
  steps: CadenceStep[];
  businessHours: BusinessHours | null;
}

export interface PlannedStep {
  index: number;
  template: string;
  /** previous send time (or approach entry) + `after` */
  dueAtMs: number;
  /** dueAtMs pushed into the business window */
  sendAtMs: number;
}

export const MAX_CADENCE_STEPS = 20;
/** The longest single `after` a cadence may ask for. */
const MAX_STEP_DELAY_MS = 365 * 86_400_000;

/** When a step is due and when it goes out, given the previous step's send time (or the approach entry). */
export function nextStepTime(
  prevSendAtMs: number,
  step: Pick<CadenceStep, 'after'>,
  hours: BusinessHours | null,
  timeZone: string,
): { dueAtMs: number; sendAtMs: number } {
  const dueAtMs = prevSendAtMs + durationMs(step.after);
  return { dueAtMs, sendAtMs: nextBusinessTime(dueAtMs, hours, timeZone) };
}

/** Every step's due and send time for a lead entering `approach` at `enteredAtMs`. */
export function planCadence(enteredAtMs: number, cadence: Cadence, timeZone: string): PlannedStep[] {
  const plan: PlannedStep[] = [];
  let prev = enteredAtMs;
  cadence.steps.forEach((step, index) => {
    const { dueAtMs, sendAtMs } = nextStepTime(prev, step, cadence.businessHours, timeZone);
    plan.push({ index, template: step.template, dueAtMs, sendAtMs });
    prev = sendAtMs;
  });
  return plan;
}

const STEP_KEYS = new Set(['after', 'template']);
const CADENCE_KEYS = new Set(['steps', 'businessHours']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Problems with a cadence as `path: message` strings (empty when valid), e.g.
 * `steps.2.after: not a duration such as "2d"`, `businessHours.start: must be HH:MM (00:00..23:59)`.
 * Takes unknown input so it can check a request body before it is trusted.
 */
export function validateCadence(c: unknown, knownTemplates: readonly string[]): string[] {
  if (!isObject(c)) return ['(cadence): must be an object {steps, businessHours}'];
  const problems: string[] = [];
  for (const key of Object.keys(c)) if (!CADENCE_KEYS.has(key)) problems.push(`${key}: unknown field`);

  const steps = c.steps;
  if (!Array.isArray(steps)) {
    problems.push(`steps: must be a list of 1..${MAX_CADENCE_STEPS} steps`);
  } else {
    if (steps.length < 1 || steps.length > MAX_CADENCE_STEPS) {
      problems.push(`steps: must have 1..${MAX_CADENCE_STEPS} steps, got ${steps.length}`);
    }
    const known = new Set(knownTemplates);
    steps.slice(0, MAX_CADENCE_STEPS).forEach((step: unknown, i) => {
      const at = `steps.${i}`;
      if (!isObject(step)) {
        problems.push(`${at}: must be an object {after, template}`);
        return;
      }
      for (const key of Object.keys(step)) if (!STEP_KEYS.has(key)) problems.push(`${at}.${key}: unknown field`);
      const afterProblem = durationProblem(step.after, { allowZero: true, max: MAX_STEP_DELAY_MS });
      if (afterProblem) problems.push(`${at}.after: ${afterProblem}`);
      if (typeof step.template !== 'string' || step.template.length === 0) {
        problems.push(`${at}.template: required (a template name)`);
      } else if (!known.has(step.template)) {
        problems.push(`${at}.template: unknown template "${step.template.slice(0, 80)}"`);
      }
    });
  }

  if (!('businessHours' in c)) {
    problems.push('businessHours: required (an object, or null for any time)');
  } else if (c.businessHours !== null) {
    for (const p of businessHoursProblems(c.businessHours)) {
      problems.push(
        p.startsWith('(businessHours)') ? p.replace('(businessHours)', 'businessHours') : `businessHours.${p}`,
      );
    }
  }
  return problems;
}
