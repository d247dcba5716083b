/**
 * /v1/config/thresholds: stall thresholds and the escalation policy (SPEC §3, §9). A manager
 * changes only `teams.<own team>`; an admin anything. Validated (400 naming the field), versioned
 * and audited; the change reaches running leads through the propagation workflow.
 */
import type { FastifyInstance } from 'fastify';
import { thresholdsStore } from '../../../activities/config/thresholds-store';
import { ForbiddenError } from '../../errors';
import { changeThresholds } from '../../thresholds';
import { requireRole } from '../auth';
import { who, type ApiDeps } from '../server';
import { auditPage } from '../page-token';

export function registerConfigRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const store = thresholdsStore(deps.redis, deps.config.REDIS_PREFIX);

  app.get('/v1/config/thresholds', async (req) => {
    requireRole(who(req), ['manager', 'admin']);
    return store.get();
  });

  app.get('/v1/config/thresholds/history', async (req) => {
    requireRole(who(req), ['manager', 'admin']);
    return auditPage(deps.config.SIGNING_SECRET, 'thresholds', req.query, store);
  });

  app.put('/v1/config/thresholds', async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (p.role === 'manager') {
      const teams = body.teams as Record<string, unknown> | undefined;
      if (Object.keys(body).some((k) => k !== 'teams') || !teams || typeof teams !== 'object' || Object.keys(teams).some((t) => t !== p.scope)) {
        throw new ForbiddenError(`a manager may change only teams.${p.scope}`);
      }
    }
    const { doc } = await changeThresholds(
      { redis: deps.redis, prefix: deps.config.REDIS_PREFIX, temporal: deps.leads.temporal, taskQueue: deps.config.TEMPORAL_TASK_QUEUE, roster: deps.roster() },
      p.actor,
      body,
    );
    req.log.info({ version: doc.version, by: p.actor }, 'thresholds changed');
    return doc;
  });
}
