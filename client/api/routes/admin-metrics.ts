/**
 * POST /v1/admin/metrics/rebuild (admin only): recomputes every board counter and facts index entry
 * from the per-lead facts, answers the drift found (per field: expected vs stored) and, unless
 * `?dryRun=true`, repairs it. The same reconcile runs daily as the Temporal Schedule
 * `dealflow-metrics-reconcile` and as `dealflow metrics rebuild` (README, "Reporting").
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ADMIN, op } from '../openapi';
import { FactsStore } from '../../../store/metrics/facts-store';
import { archiveReader, reconcileMetrics } from '../../../activities/metrics/facts.activities';
import { requireRole } from '../auth';
import { who, type ApiDeps } from '../context';

const rebuildQuery = z.strictObject({
  dryRun: z.enum(['true', 'false']).optional(),
});

export function registerAdminMetricsRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const store = new FactsStore(deps.redis, deps.config.REDIS_PREFIX);
  const archive = archiveReader(deps.redis, deps.config.REDIS_PREFIX);
  const rebuild = op({
    summary:
      'Recomputes every board counter and facts index entry from the per-lead facts, reports the drift (per field: expected vs stored; totals per kind: count, minor, atRisk, stalled, share, active, closed, contacted) and repairs it unless dryRun=true. Also counts the open leads visibility knows that have no facts, with their board share from their search attributes, and rewrites from the archive the facts of closed leads still on the board. Role: admin.',
    access: ADMIN,
    query: rebuildQuery,
    ok: {
      200: '{ at, repaired, leads, unreadable, totals, drift: [{ field, expected, stored }], driftCount, withoutFacts: { count, ids, board }, staleFacts: { count, ids, repaired } }',
    },
  });
  app.withTypeProvider<ZodTypeProvider>().post('/v1/admin/metrics/rebuild', { schema: rebuild }, async (req) => {
    const p = who(req);
    requireRole(p, ['admin']);
    const { dryRun } = req.query;
    const report = await reconcileMetrics({
      store,
      client: deps.leads.temporal,
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      archive,
      repair: dryRun !== 'true',
    });
    req.log.info(
      { by: p.actor, repaired: report.repaired, driftCount: report.driftCount, totals: report.totals },
      'metrics reconciled',
    );
    return report;
  });
}
