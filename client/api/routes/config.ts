/**
 * /v1/config/thresholds: stall thresholds and the escalation policy (SPEC §3, §9). A manager
 * changes only `teams.<own team>`; an admin anything. Validated (400 naming the field), versioned
 * and audited; the change reaches running leads through the propagation workflow.
 */
import type { FastifyInstance } from 'fastify';
import { thresholdsStore } from '../../../activities/config/thresholds-store';
import { applyThresholdsPatch, shortenedScopes, validateThresholdsPatch, type ThresholdsBody, type ThresholdsDoc } from '../../../workflows/policy/thresholds';
import { ForbiddenError, ValidationError } from '../../errors';
import { requireRole } from '../auth';
import { who, type ApiDeps } from '../server';

export function registerConfigRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const store = thresholdsStore(deps.redis, deps.config.REDIS_PREFIX);

  app.get('/v1/config/thresholds', async (req) => {
    requireRole(who(req), ['manager', 'admin']);
    return store.get();
  });

  app.get('/v1/config/thresholds/history', async (req) => {
    requireRole(who(req), ['manager', 'admin']);
    const q = req.query as { limit?: string };
    const limit = Math.min(Math.max(Number(q.limit ?? 100) || 100, 1), 1000);
    return { items: await store.history(limit) };
  });

  app.put('/v1/config/thresholds', async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (p.role === 'manager') {
      const teams = body.teams as Record<string, unknown> | undefined;
      const keys = Object.keys(body);
      if (keys.some((k) => k !== 'teams') || !teams || typeof teams !== 'object' || Object.keys(teams).some((t) => t !== p.scope)) {
        throw new ForbiddenError(`a manager may change only teams.${p.scope}`);
      }
    }
    const problems = validateThresholdsPatch(body);
    if (problems.length) throw new ValidationError(`invalid thresholds: ${problems.map((x) => `${x.path}: ${x.message}`).join('; ')}`, problems);
    const { doc, previous } = await store.update(p.actor, (cur) =>
      applyThresholdsPatch({ global: cur.global, teams: cur.teams, escalation: cur.escalation }, body as Partial<ThresholdsBody>),
    );
    await propagate(deps, previous, doc as ThresholdsDoc);
    req.log.info({ version: doc.version, by: p.actor }, 'thresholds changed');
    return doc;
  });
}

/** Starts the propagation workflow for the scopes the change shortened (nothing per lead here). */
async function propagate(deps: ApiDeps, before: ThresholdsBody, after: ThresholdsDoc): Promise<void> {
  const roster = deps.roster();
  const teams = [...new Set([...roster.teams(), ...Object.keys(before.teams), ...Object.keys(after.teams), 'default'])];
  const scopes = shortenedScopes(before, after, teams);
  if (scopes.length === 0) return;
  const byTeam = new Map<string, string[]>();
  for (const s of scopes) byTeam.set(s.team, [...(byTeam.get(s.team) ?? []), s.stage]);
  const queue = deps.config.TEMPORAL_TASK_QUEUE;
  const queries = [...byTeam].map(
    ([team, stages]) =>
      `WorkflowType = 'leadWorkflow' AND TaskQueue = '${queue}' AND DealflowStatus = 'open' AND DealflowTeam = '${team}' AND DealflowStage IN (${stages.map((s) => `'${s}'`).join(', ')})`,
  );
  await deps.leads.temporal.workflow.start('propagateThresholdsWorkflow', {
    taskQueue: queue,
    workflowId: `thresholds-propagate-${deps.config.REDIS_PREFIX.replace(/[^A-Za-z0-9_-]/g, '')}-v${after.version}`,
    args: [{ doc: after, queries }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}
