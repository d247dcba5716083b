/**
 * Side effects a workflow starts without waiting on them (webhook deliveries, notification
 * emails): they run in a non-cancellable scope so a stage change does not cut them off, a failure
 * is recorded instead of failing the lead, and continue-as-new waits for them, so none is lost.
 */
import { CancellationScope } from '@temporalio/workflow';

const inFlight: Promise<void>[] = [];

export function inBackground(what: () => Promise<unknown>, onError: (err: Error) => void): void {
  const p: Promise<void> = CancellationScope.nonCancellable(async () => {
    try {
      await what();
    } catch (err) {
      onError(err as Error);
    }
  }).finally(() => inFlight.splice(inFlight.indexOf(p), 1));
  inFlight.push(p);
}

/** Resolves when every background effect started so far has finished. */
export function backgroundSettled(): Promise<void> {
  return Promise.all([...inFlight]).then(() => undefined);
}
