/** Signals every lead matching a visibility query with a thresholds document (activities/signal-matching.ts). */
import type { Client } from '@temporalio/client';
import type { ThresholdsDoc } from '../../workflows/policy/thresholds';
import { thresholdsChangedSignal } from '../../workflows/messages';
import { signalEachMatching } from '../signal-matching';

export function createPropagateActivities(deps: { temporal?: () => Client; namespace: string }) {
  return {
    async signalLeadsWithThresholds({ query, doc }: { query: string; doc: ThresholdsDoc }): Promise<number> {
      if (!deps.temporal) throw new Error('this worker has no Temporal client for propagation');
      return signalEachMatching(deps.temporal(), deps.namespace, query, thresholdsChangedSignal, doc);
    },
  };
}
