/** The lead facts activity: the lead workflow's one way to write its facts (workflows/facts.ts). */
import { Context } from '@temporalio/activity';
import type { LeadFacts } from '../../workflows/policy/facts';
import type { ActivityDeps } from '../deps';
import { FactsStore } from './facts-store';

export function createFactsActivities(deps: Pick<ActivityDeps, 'redis' | 'prefix'>) {
  const store = new FactsStore(deps.redis, deps.prefix);
  return {
    /** Idempotent: stored only if `facts.seq` is higher than the stored seq. True when written. */
    async recordLeadFacts(facts: LeadFacts): Promise<boolean> {
      const written = await store.write(facts);
      workerCounter('dealflow_lead_facts_writes', 'lead facts snapshots written (stale ones skipped)', { result: written ? 'written' : 'stale' });
      return written;
    },
  };
}

/**
 * A counter on the worker's Temporal metric meter: exported with the SDK's own metrics when
 * WORKER_METRICS_ADDRESS is set (workers/telemetry.ts), a no-op otherwise or outside an activity.
 */
export function workerCounter(name: string, description: string, tags: Record<string, string>, n = 1): void {
  try {
    Context.current().metricMeter.createCounter(name, undefined, description).add(n, tags);
  } catch {
    /* not in an activity (unit tests call the functions directly) */
  }
}
