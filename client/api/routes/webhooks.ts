/**
 * /v1/config/webhooks: the per-team task webhooks (README "How tasks reach people"). An admin sees and changes every team,
 * a manager only their own; secrets are never shown whole, to anyone (`…` + last four characters).
 *
 * PUT takes `{ teams: { <team>: { url, secret?, events? } | null } }` and changes only the teams it
 * names: an object sets the team's webhook (the secret may be left out to keep the current one),
 * null removes it. Validated (400 naming the field), versioned and audited (VersionedConfig).
 */
import type { FastifyInstance } from 'fastify';
import { maskSecret, webhooksStore, type TeamWebhook, type WebhooksBody } from '../../../store/tasks/webhook';
import type { AuditEntry, Versioned } from '../../../store/config/versioned-config';
import { ForbiddenError, ValidationError } from '../../../store/request-errors';
import { issuesToProblems } from '../../../store/request-errors';
import { requireRole, seesTeam, type Principal } from '../auth';
import { noQuery, webhooksPutSchema } from '../schemas';

import { who, type ApiDeps } from '../context';
import { webhookTargetPolicy, webhookUrlProblem } from '../../../store/tasks/webhook-target';
import { auditPage } from '../page-token';
import { ADMIN, allow, auditOp, op, validatedInHandler } from '../openapi';

type MaskedDoc = WebhooksBody & Versioned;

function mask(teams: Record<string, TeamWebhook>, visible: (team: string) => boolean): Record<string, TeamWebhook> {
  const out: Record<string, TeamWebhook> = {};
  for (const [team, hook] of Object.entries(teams ?? {})) {
    if (visible(team)) out[team] = { ...hook, secret: maskSecret(hook.secret) };
  }
  return out;
}

function visibleTo(p: Principal): (team: string) => boolean {
  return (team) => seesTeam(p, team);
}

function invalid(details: { path: string; message: string }[]): ValidationError {
  return new ValidationError(`invalid webhooks: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
}

export function registerWebhookRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const store = webhooksStore(deps.redis, deps.config.REDIS_PREFIX);

  const get = op({
    summary: 'Per-team task webhooks (secrets masked). Roles: manager (own team), admin.',
    access: allow('all', 'none', 'team', 'none', { filtered: true }),
    query: noQuery,
    ok: { 200: 'webhooks document' },
  });
  app.get('/v1/config/webhooks', { schema: get }, async (req): Promise<MaskedDoc> => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    const doc = await store.get();
    return { ...doc, teams: mask(doc.teams, visibleTo(p)) };
  });

  app.get(
    '/v1/config/webhooks/history',
    { schema: auditOp('Audit log of team webhooks, secrets masked. Role: admin', ADMIN) },
    async (req) => {
      const p = who(req);
      requireRole(p, ['admin']);
      const all = () => true;
      const page = await auditPage(deps.config.SIGNING_SECRET, 'webhooks', req.query, store);
      const items: AuditEntry<WebhooksBody>[] = page.items.map((e) => ({
        ...e,
        old: { teams: mask(e.old.teams, all) },
        new: { teams: mask(e.new.teams, all) },
      }));
      return { ...page, items };
    },
  );

  const put = op({
    summary: 'Set (object) or remove (null) team webhooks; versioned, audited. A manager only their own team.',
    access: allow('all', 'none', 'team', 'none', { scopeBody: true }),
    query: noQuery,
    // the teams named decide the caller's scope (403) before the body is validated (400)
    body: validatedInHandler(webhooksPutSchema),
    ok: { 200: 'the new document (secrets masked)' },
  });
  app.put('/v1/config/webhooks', { schema: put }, async (req): Promise<MaskedDoc> => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (p.role === 'manager') {
      const teams = body.teams;
      // an unknown field is left to validation (a 400 naming it)
      if (!teams || typeof teams !== 'object' || Object.keys(teams).some((t) => t !== p.scope)) {
        throw new ForbiddenError(`a manager may change only teams.${p.scope}`);
      }
    }
    const parsed = webhooksPutSchema.safeParse(body);
    if (!parsed.success) throw invalid(issuesToProblems(parsed.error.issues));
    const change = parsed.data;
    const roster = deps.roster();
    const unknown = Object.keys(change.teams)
      .filter((t) => !roster.team(t))
      .map((t) => ({ path: `teams.${t}`, message: 'no such team in the roster' }));
    if (unknown.length) throw invalid(unknown);
    // production: no private, loopback or link-local target (server-side request forgery; docs/CONFIG.md)
    const policy = webhookTargetPolicy(deps.config);
    const badTargets = Object.entries(change.teams).flatMap(([team, next]) => {
      const problem = next ? webhookUrlProblem(next.url, policy) : null;
      return problem ? [{ path: `teams.${team}.url`, message: problem }] : [];
    });
    if (badTargets.length) throw invalid(badTargets);

    const { doc } = await store.update(p.actor, (cur) => {
      const teams: Record<string, TeamWebhook> = { ...cur.teams };
      const problems: { path: string; message: string }[] = [];
      for (const [team, next] of Object.entries(change.teams)) {
        if (next === null) {
          delete teams[team];
          continue;
        }
        const secret = next.secret ?? cur.teams[team]?.secret;
        if (!secret) {
          problems.push({ path: `teams.${team}.secret`, message: 'required for a new webhook' });
          continue;
        }
        teams[team] = { url: next.url, secret, ...(next.events ? { events: next.events } : {}) };
      }
      if (problems.length) throw invalid(problems);
      return { teams };
    });
    req.log.info({ version: doc.version, by: p.actor, teams: Object.keys(change.teams) }, 'webhooks changed');
    return { ...doc, teams: mask(doc.teams, visibleTo(p)) };
  });
}
