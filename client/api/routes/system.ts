/**
 * Liveness, readiness (Temporal + Redis gate it; SMTP is reported), the OpenAPI document and the
 * roster.
 */
import nodemailer from 'nodemailer';
import type { FastifyInstance } from 'fastify';
import { ownTeams, requireRole } from '../auth';
import { noQuery } from '../schemas';
import { expectedVersion } from '../../../store/config/versioned-config';
import { rosterStore, validateRoster } from '../../../store/config/roster-store';
import { loadRoster } from '../../../config/roster';
import { ADMIN, allow, auditOp, documentOf, op, unkeyed, validatedInHandler } from '../openapi';
import { rosterSchema } from '../../../config/roster';
import { who, type ApiDeps } from '../context';
import { auditPage } from '../page-token';

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(t);
  }
}

/**
 * The SMTP relay's state: a connection, greeting, EHLO (and AUTH when configured) — cached for 15 s
 * so a probe every second never becomes a connection every second.
 */
function smtpChecker(smtpUrl: string): () => Promise<{ ok: boolean; error?: string }> {
  let cached: { at: number; result: { ok: boolean; error?: string } } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < 15_000) return cached.result;
    const t = nodemailer.createTransport({
      url: smtpUrl,
      connectionTimeout: 2500,
      greetingTimeout: 2500,
      socketTimeout: 2500,
    } as never);
    const result = await withTimeout(t.verify(), 3000)
      .then(() => ({ ok: true }))
      .catch((e: Error) => ({ ok: false, error: e.message }));
    t.close();
    cached = { at: Date.now(), result };
    return result;
  };
}

export function registerSystemRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/healthz',
    { schema: op({ summary: 'Liveness', access: unkeyed('public'), query: noQuery, ok: { 200: '{ status: "ok" }' } }) },
    async () => {
      return { status: 'ok' };
    },
  );
  const smtp = smtpChecker(deps.config.SMTP_URL);

  const ready = op({
    summary: 'Readiness: Temporal and Redis (SMTP reported, not gating)',
    access: unkeyed('public'),
    query: noQuery,
    ok: {
      200: '{ status: "ready" | "degraded", checks }',
      503: '{ status: "unavailable", checks }: a dependency is down',
    },
  });
  app.get('/readyz', { schema: ready }, async (_req, reply) => {
    const checks: Record<string, { ok: boolean; error?: string; gating?: boolean }> = {};
    await Promise.all([
      // the API itself sends no email (workers do, and retry while the relay is down), so a relay
      // outage is reported here but does not take the API out of rotation
      smtp().then((r) => (checks.smtp = { ...r, gating: false })),
      withTimeout(deps.leads.temporal.workflowService.getSystemInfo({}), 3000)
        .then(() => (checks.temporal = { ok: true }))
        .catch((e: Error) => (checks.temporal = { ok: false, error: e.message })),
      withTimeout(deps.redis.ping(), 3000)
        .then(() => (checks.redis = { ok: true }))
        .catch((e: Error) => (checks.redis = { ok: false, error: e.message })),
    ]);
    const ok = Object.values(checks).every((c) => c.ok || c.gating === false);
    const degraded = ok && Object.values(checks).some((c) => !c.ok);
    return reply
      .status(ok ? 200 : 503)
      .send({ status: ok ? (degraded ? 'degraded' : 'ready') : 'unavailable', checks });
  });

  // the document (generated from the routes' schemas, openapi.ts); /docs is its UI
  const docSchema = op({
    summary: 'This OpenAPI document (the UI on it is /docs)',
    access: unkeyed('public'),
    query: noQuery,
    ok: { 200: 'the OpenAPI 3.1 document' },
  });
  app.get('/docs/openapi.json', { schema: docSchema }, async () => documentOf(app));
  app.get('/openapi.json', { schema: docSchema }, async () => documentOf(app));

  const rosters =
    deps.liveRoster?.store ?? rosterStore(deps.redis, deps.config.REDIS_PREFIX, loadRoster(deps.config.ROSTER_FILE));

  // a manager sees their own team only (README "HTTP API")
  const get = op({
    summary: 'Teams, managers, reps; a manager sees their own team. Roles: manager, admin.',
    access: allow('all', 'none', 'team', 'none', { filtered: true }),
    query: noQuery,
    ok: { 200: 'roster' },
  });
  app.get('/v1/config/roster', { schema: get }, async (req) => {
    const p = who(req);
    requireRole(p, ['admin', 'manager']);
    return ownTeams(p, await rosters.get());
  });

  app.get(
    '/v1/config/roster/history',
    { schema: auditOp('Audit log of the roster. Role: admin', ADMIN) },
    async (req) => {
      requireRole(who(req), ['admin']);
      return auditPage(deps.config.SIGNING_SECRET, 'roster', req.query, rosters);
    },
  );

  /** Replaces the roster (the whole document): validated, versioned, audited; every process follows. */
  const put = op({
    summary: 'Replace the roster (validated, versioned, audited); every process follows. Role: admin.',
    access: ADMIN,
    query: noQuery,
    // validateRoster: the roster schema and its cross-checks (a rep in one team only, …)
    body: validatedInHandler(rosterSchema),
    ok: { 200: 'the new roster' },
  });
  app.put('/v1/config/roster', { schema: put }, async (req) => {
    const p = who(req);
    requireRole(p, ['admin']);
    const body = req.body as Record<string, unknown> | undefined;
    const { version: _v, updatedAt: _a, updatedBy: _b, ...rest } = body ?? {};
    const roster = validateRoster(rest);
    const { doc } = await rosters.update(p.actor, () => roster, undefined, { expectedVersion: expectedVersion(body) });
    await deps.liveRoster?.refresh();
    req.log.info({ version: doc.version, by: p.actor, teams: Object.keys(doc.teams) }, 'roster replaced');
    return doc;
  });
}
