/**
 * /v1/config/thresholds: stall thresholds and the escalation policy (docs/ARCHITECTURE.md §7; README "HTTP API"). A manager
 * reads the global part and `teams.<own team>` (other teams' overrides and their audit entries are
 * left out) and changes only `teams.<own team>`; an admin reads and changes anything. Validated (400 naming the field), versioned
 * and audited; the change reaches running leads through the propagation workflow.
 */
import type { FastifyInstance } from 'fastify';
import { thresholdsStore } from '../../../store/config/thresholds-store';
import { ForbiddenError } from '../../../store/request-errors';
import { changeThresholds } from '../../thresholds';
import { z } from 'zod';
import { ownHistory, ownTeams, requireRole } from '../auth';
import { noQuery } from '../schemas';
import { allow, auditOp, op, validatedInHandler } from '../openapi';
import { who, type ApiDeps } from '../context';
import { auditPage } from '../page-token';

export function registerConfigRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const store = thresholdsStore(deps.redis, deps.config.REDIS_PREFIX);

  // a manager sees the global values and escalation policy (their team inherits them) and only
  // their own team's overrides, in the document and in its audit log
  const get = op({
    summary:
      "Stall thresholds and escalation policy; a manager sees the global part and their own team's overrides. Roles: manager, admin.",
    access: allow('all', 'none', 'team', 'none', { filtered: true }),
    query: noQuery,
    ok: { 200: 'thresholds document' },
  });
  app.get('/v1/config/thresholds', { schema: get }, async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    return ownTeams(p, await store.get());
  });

  const history = auditOp(
    "Audit log of thresholds: who, when, old, new; a manager sees the global part and their own team's (a page may then hold fewer entries). Roles: manager, admin",
    allow('all', 'none', 'team', 'none', { filtered: true }),
  );
  app.get('/v1/config/thresholds/history', { schema: history }, async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    // a manager's token is bound to their team: the pages they see are filtered (other teams' overrides left out)
    const page = await auditPage(
      deps.config.SIGNING_SECRET,
      p.role === 'manager' ? `thresholds:${p.scope}` : 'thresholds',
      req.query,
      store,
    );
    return { ...page, items: ownHistory(p, page.items, (d) => ownTeams(p, d)) };
  });

  const put = op({
    summary:
      'Change thresholds (partial; a manager only teams.<own>); each a duration such as 5d or 36h (at most 3650d); versioned, audited, pushed to running leads',
    access: allow('all', 'none', 'team', 'none', { scopeBody: true }),
    query: noQuery,
    // checked by changeThresholds (durations, stages, teams of the roster) after the caller's scope
    body: validatedInHandler(
      z.strictObject({
        global: z.record(z.string(), z.string()).optional().describe('stage → duration'),
        teams: z
          .record(z.string(), z.record(z.string(), z.string()).nullable())
          .optional()
          .describe("team → stage → duration (null removes the team's overrides)"),
        escalation: z.record(z.string(), z.unknown()).optional(),
      }),
    ),
    ok: { 200: 'the new document' },
  });
  app.put('/v1/config/thresholds', { schema: put }, async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (p.role === 'manager') {
      const teams = body.teams as Record<string, unknown> | undefined;
      // global parts are not a manager's; an unknown field is left to validation (a 400 naming it)
      if (
        Object.keys(body).some((k) => k === 'global' || k === 'escalation') ||
        !teams ||
        typeof teams !== 'object' ||
        Object.keys(teams).some((t) => t !== p.scope)
      ) {
        throw new ForbiddenError(`a manager may change only teams.${p.scope}`);
      }
    }
    const { doc } = await changeThresholds(
      {
        redis: deps.redis,
        prefix: deps.config.REDIS_PREFIX,
        temporal: deps.leads.temporal,
        taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
        roster: deps.roster(),
      },
      p.actor,
      body,
    );
    req.log.info({ version: doc.version, by: p.actor }, 'thresholds changed');
    return ownTeams(p, doc);
  });
}
