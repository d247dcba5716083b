/**
 * The benchmark's baseline ("raw Temporal", issue #7): the smallest workflow with the same shape as
 * a benchmarked lead — the same number of updates, timers and activities, phase by phase — whose
 * activities do nothing. `dealflow bench` derives the plan from a real lead's event history
 * (bench/plan.ts), so the two sides do the same amount of Temporal work.
 *
 * Phase 0 runs at start; phase i (i ≥ 1) runs when the i-th `advance` update arrives, and the
 * update returns once its phase is done — except the last, which returns at once (like `won`) and
 * lets the workflow finish the phase and complete. Within a phase: the activities one after the
 * other, then the timers (a timer with `after` starts when that earlier timer of the phase fired),
 * while the phase's `cancelled` timers wait and are cancelled at its end (stall watchers, cadence
 * waits cut short by a move).
 */
import { CancellationScope, condition, defineUpdate, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { BaselineActivities } from './baseline.activities';

export interface BaselinePhase {
  activities: number;
  timers: { ms: number; after: number }[];
  cancelled: number;
}

export const advanceUpdate = defineUpdate<number, [number]>('advance');

const { noop } = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

async function runPhase(p: BaselinePhase): Promise<void> {
  const waiting = new CancellationScope();
  const idle = waiting
    .run(() => Promise.all(Array.from({ length: p.cancelled }, () => sleep('1h'))))
    .catch(() => undefined);
  for (let i = 0; i < p.activities; i++) await noop();
  const fired: Promise<void>[] = [];
  for (const t of p.timers)
    fired.push((t.after >= 0 && t.after < fired.length ? fired[t.after] : Promise.resolve()).then(() => sleep(t.ms)));
  await Promise.all(fired);
  waiting.cancel();
  await idle;
}

export async function baselineWorkflow(phases: BaselinePhase[]): Promise<number> {
  let asked = 0;
  let done = 0;
  setHandler(advanceUpdate, async (n) => {
    asked = Math.max(asked, n);
    if (n < phases.length - 1) await condition(() => done >= n);
    return n;
  });
  for (let i = 0; i < phases.length; i++) {
    if (i > 0) await condition(() => asked >= i);
    await runPhase(phases[i]);
    done = i;
  }
  return done;
}
