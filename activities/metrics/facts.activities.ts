/**
 * The lead facts activities: `recordLeadFacts`, the lead workflow's one way to write its facts
 * (workflows/facts.ts), and `reconcileMetrics`, the daily reconcile (workflows/reconcile.workflow.ts,
 * `dealflow metrics rebuild`, POST /v1/admin/metrics/rebuild).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { DEFAULT_LEAD, STAGES } from '../../config/defaults';
import type Redis from 'ioredis';
import { leadFacts, type FactsSource, type LeadFacts } from '../../workflows/policy/facts';
import { SA } from '../../workflows/search-attributes';
import type { ActivityDeps } from '../deps';
import { InvalidInputError } from '../../store/errors';
import { cellName, FactsStore, type BoardCell, type ReconcileReport } from '../../store/metrics/facts-store';
import { fromMinor, toMinor } from '../../store/metrics/money';

/** The failure type of facts that cannot be stored: retrying cannot help, so it is never retried. */
const FACTS_REFUSED = 'FactsRefused';

/** An open lead as visibility shows it (its search attributes). */
interface VisibleLead {
  id: string;
  team: string;
  stage: string;
  escalationLevel: number;
  value: number;
}

/** The reconcile report, with the open leads that have no facts yet (from Temporal visibility). */
export interface MetricsReconcileReport extends ReconcileReport {
  withoutFacts: {
    /** open leads (visibility) with no facts record: a lead running a history from before facts were kept */
    count: number;
    /** the first 100 of their ids */
    ids: string[];
    /** their share of the board, built from their search attributes (not added to the counters:
     *  the lead's first facts write adds it; the currency is the default one, visibility has none) */
    board: BoardCell[];
  };
  /** leads still on the board in their facts whose workflow has closed (the last facts write was
   *  given up); with repair, their facts are rewritten from the archived final state */
  staleFacts: { count: number; ids: string[]; repaired: number };
}

/** Open lead workflows on this deployment's task queue, as visibility lists them. */
async function openLeadsFromVisibility(client: Client, taskQueue: string): Promise<VisibleLead[]> {
  if (!/^[A-Za-z0-9._:-]+$/.test(taskQueue))
    throw new InvalidInputError(`task queue "${taskQueue}" cannot be put in a visibility query`);
  const out: VisibleLead[] = [];
  const query = `WorkflowType = 'leadWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;
  for await (const w of client.workflow.list({ query })) {
    if (!w.workflowId.startsWith('lead-')) continue;
    const sa = w.typedSearchAttributes;
    out.push({
      id: w.workflowId.slice('lead-'.length),
      team: sa.get(SA.team) ?? DEFAULT_LEAD.team,
      stage: sa.get(SA.stage) ?? 'prospecting',
      escalationLevel: sa.get(SA.escalationLevel) ?? 0,
      value: sa.get(SA.value) ?? 0,
    });
  }
  return out;
}

/** The board share of leads known only from visibility, one cell per (team, stage), default currency. */
function visibilityCells(leads: VisibleLead[], currency: string = DEFAULT_LEAD.currency): BoardCell[] {
  const cells = new Map<string, BoardCell & { minor: number }>();
  for (const l of leads) {
    if (!(STAGES as readonly string[]).includes(l.stage)) continue;
    const key = cellName(l.team, l.stage, currency);
    const c = cells.get(key) ?? {
      team: l.team,
      stage: l.stage,
      currency,
      count: 0,
      value: 0,
      atRisk: 0,
      stalled: 0,
      minor: 0,
    };
    c.count += 1;
    c.minor += toMinor(l.value, currency) ?? 0;
    if (l.escalationLevel === 2) c.atRisk += 1;
    if (l.escalationLevel >= 3) c.stalled += 1;
    cells.set(key, c);
  }
  return [...cells.values()].map(({ minor, ...c }) => ({ ...c, value: fromMinor(minor, currency) }));
}

/** Where the reconcile reads a closed lead's final state: the archive `archiveLead` writes at close. */
export function archiveReader(redis: Redis, prefix: string): (id: string) => Promise<FactsSource | null> {
  return async (id) => {
    const raw = await redis.get(`${prefix}lead-archive:${id}`);
    return raw ? (JSON.parse(raw) as FactsSource) : null;
  };
}

export interface ReconcileSources {
  store: FactsStore;
  /** Temporal and the leads' task queue, for visibility (without them, leads without facts and
   *  stale facts are not looked for) */
  client?: Client;
  taskQueue?: string;
  /** a closed lead's archived state */
  archive?: (id: string) => Promise<FactsSource | null>;
  repair: boolean;
}

/**
 * Reconciles the counters with the per-lead facts (FactsStore.reconcile), counts the open leads
 * visibility knows that have no facts, and finds facts still on the board of leads whose workflow
 * has closed (their last facts write was given up): those are rewritten from the lead's archived
 * final state. Used by the activity, the CLI and the admin route alike.
 */
export async function reconcileMetrics({
  store,
  client,
  taskQueue,
  archive,
  repair,
}: ReconcileSources): Promise<MetricsReconcileReport> {
  const open = client && taskQueue ? await openLeadsFromVisibility(client, taskQueue) : [];
  const stale: string[] = [];
  let staleRepaired = 0;
  if (client && taskQueue && archive) {
    const running = new Set(open.map((l) => l.id));
    for (const id of await store.activeIds()) {
      if (running.has(id)) continue;
      const state = await archive(id); // only a closed lead has an archive: a lead visibility lags on is skipped
      if (!state) continue;
      stale.push(id);
      if (!repair) continue;
      try {
        if (await store.write(leadFacts(state, (await store.seq(id)) + 1))) staleRepaired += 1;
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err; // facts the store refuses stay listed, not repaired
      }
    }
  }
  const report = await store.reconcile({ repair });
  const missing = new Set(await store.without(open.map((l) => l.id)));
  const bare = open.filter((l) => missing.has(l.id));
  const full: MetricsReconcileReport = {
    ...report,
    withoutFacts: { count: bare.length, ids: bare.slice(0, 100).map((l) => l.id), board: visibilityCells(bare) },
    staleFacts: { count: stale.length, ids: stale.slice(0, 100), repaired: staleRepaired },
  };
  await store.saveReconcile(full);
  return full;
}

export function createFactsActivities(
  deps: Pick<ActivityDeps, 'redis' | 'prefix'> & Partial<Pick<ActivityDeps, 'temporal' | 'config'>>,
) {
  const store = new FactsStore(deps.redis, deps.prefix);
  return {
    /**
     * Idempotent: stored only if `facts.seq` is higher than the stored seq. True when written.
     * Facts that cannot be stored fail with the non-retryable type FactsRefused (nothing written);
     * a Redis outage is retried.
     */
    async recordLeadFacts(facts: LeadFacts): Promise<boolean> {
      let written: boolean;
      try {
        written = await store.write(facts);
      } catch (err) {
        if (err instanceof InvalidInputError) {
          workerCounter('dealflow_lead_facts_writes', 'lead facts snapshots written (stale ones skipped)', {
            result: 'refused',
          });
          throw ApplicationFailure.create({ type: FACTS_REFUSED, message: err.message, nonRetryable: true });
        }
        throw err;
      }
      workerCounter('dealflow_lead_facts_writes', 'lead facts snapshots written (stale ones skipped)', {
        result: written ? 'written' : 'stale',
      });
      return written;
    },

    /** The scheduled reconcile: repairs the drift and returns a short summary (no lead data in history). */
    async reconcileMetrics(input: { repair: boolean }): Promise<{
      driftCount: number;
      totals: ReconcileReport['totals'];
      withoutFacts: number;
      staleFacts: number;
      unreadable: number;
    }> {
      const r = await reconcileMetrics({
        store,
        client: deps.temporal?.(),
        taskQueue: deps.config?.TEMPORAL_TASK_QUEUE,
        archive: archiveReader(deps.redis, deps.prefix),
        repair: input.repair,
      });
      // the worker's exporter shows the drift too (the API's /metrics reads it from the stored report)
      const drift = { ...r.totals, without_facts: r.withoutFacts.count, stale_facts: r.staleFacts.count };
      for (const [field, n] of Object.entries(drift))
        workerGauge('dealflow_metrics_drift', 'drift the last metrics reconcile found, by field kind', { field }, n);
      return {
        driftCount: r.driftCount,
        totals: r.totals,
        withoutFacts: r.withoutFacts.count,
        staleFacts: r.staleFacts.count,
        unreadable: r.unreadable.length,
      };
    },
  };
}

/** A gauge on the worker's Temporal metric meter (see workerCounter). */
function workerGauge(name: string, description: string, tags: Record<string, string>, value: number): void {
  try {
    Context.current().metricMeter.createGauge(name, 'int', undefined, description).set(value, tags);
  } catch {
    /* not in an activity */
  }
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
