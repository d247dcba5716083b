/**
 * Email-side routes: named cadences (docs/ARCHITECTURE.md §9; README "HTTP API"), the qualification answers that feed the fit
 * score, the signed inbound-reply webhook (README "HTTP API"), and the RFC 8058 unsubscribe pages.
 */
import type { FastifyInstance } from 'fastify';
import { cadencesStore } from '../../../store/config/cadences-store';
import { TEMPLATE_KINDS } from '../../../store/email/templates';
import { mailDomain, parseMessageId } from '../../../store/email/mailer';
import { SuppressionList } from '../../../store/email/suppression';
import { addressFromHeader } from '../../../store/enrichment/normalise';
import { validateCadence, type Cadence } from '../../../workflows/policy/cadence';
import { ForbiddenError, ValidationError } from '../../../store/request-errors';
import { expectedVersion } from '../../../store/config/versioned-config';
import { inboundBody, leadIdParam, noQuery, qualificationBody } from '../schemas';
import { parseOrThrow } from '../../lead-input';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { allow, auditOp, MARKETING, op, unkeyed, validatedInHandler } from '../openapi';
import { requireRole } from '../auth';
import { who, type ApiDeps } from '../context';
import { auditPage } from '../page-token';
import { UnauthorizedError } from '../auth';
import { verifyInbound } from '../inbound-signature';
import { registerUnsubscribeRoutes } from './unsubscribe';

export function registerEmailRoutes(fastify: FastifyInstance, deps: ApiDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const cadences = cadencesStore(deps.redis, deps.config.REDIS_PREFIX);
  const suppression = new SuppressionList(deps.redis, deps.config.REDIS_PREFIX);

  app.get(
    '/v1/config/cadences',
    {
      schema: op({
        summary: 'Named email cadences. Roles: marketing, admin.',
        access: MARKETING,
        query: noQuery,
        ok: { 200: 'cadences document' },
      }),
    },
    async (req) => {
      requireRole(who(req), ['marketing', 'admin']);
      return cadences.get();
    },
  );

  const put = op({
    summary:
      'Add or replace named cadences (steps, business hours); validated (each problem named by its path), versioned, audited. Roles: marketing, admin.',
    access: MARKETING,
    query: noQuery,
    // validateCadence checks each cadence (docs/ARCHITECTURE.md §9) and names the field
    body: validatedInHandler(
      z.strictObject({
        cadences: z
          .record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/), z.record(z.string(), z.unknown()))
          .describe('name → { steps, businessHours }'),
        version: z.number().int().optional(),
      }),
    ),
    ok: { 200: 'the new document' },
  });
  app.put('/v1/config/cadences', { schema: put }, async (req) => {
    const p = who(req);
    requireRole(p, ['marketing', 'admin']);
    const body = (req.body ?? {}) as { cadences?: unknown };
    const problems: { path: string; message: string }[] = [];
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      problems.push({ path: '(body)', message: 'send { "cadences": { "<name>": { steps, businessHours } } }' });
    } else if (Object.keys(body).some((k) => !['cadences', 'version'].includes(k))) {
      for (const k of Object.keys(body))
        if (!['cadences', 'version'].includes(k)) problems.push({ path: k, message: 'unknown field' });
    } else if (!body.cadences || typeof body.cadences !== 'object' || Array.isArray(body.cadences)) {
      problems.push({ path: 'cadences', message: 'must be an object of name → cadence' });
    } else {
      for (const [name, c] of Object.entries(body.cadences as Record<string, unknown>)) {
        if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
          problems.push({ path: `cadences.${name}`, message: 'a cadence name is letters, digits, . _ -' });
        for (const msg of validateCadence(c, TEMPLATE_KINDS)) {
          const i = msg.indexOf(': ');
          problems.push(
            i > 0
              ? { path: `cadences.${name}.${msg.slice(0, i)}`, message: msg.slice(i + 2) }
              : { path: `cadences.${name}`, message: msg },
          );
        }
      }
    }
    if (problems.length)
      throw new ValidationError(
        `invalid cadences: ${problems.map((x) => `${x.path}: ${x.message}`).join('; ')}`,
        problems,
      );
    const { doc } = await cadences.update(
      p.actor,
      (cur) => ({ cadences: { ...cur.cadences, ...(body.cadences as Record<string, Cadence>) } }),
      undefined,
      {
        expectedVersion: expectedVersion(body),
      },
    );
    return doc;
  });

  app.get(
    '/v1/config/cadences/history',
    { schema: auditOp('Audit log of cadence changes. Roles: marketing, admin', MARKETING) },
    async (req) => {
      requireRole(who(req), ['marketing', 'admin']);
      return auditPage(deps.config.SIGNING_SECRET, 'cadences', req.query, cadences);
    },
  );

  const qualify = op({
    summary:
      'Record qualification answers (budget, authority, need, timeline; at least one); re-scores the lead. Answers the lead summary.',
    access: allow('all', 'none', 'team', 'own', { pathId: 'lead' }),
    params: leadIdParam,
    query: noQuery,
    body: qualificationBody,
    errors: [404, 409],
  });
  app.post('/v1/leads/:id/qualification', { schema: qualify }, async (req) => {
    const p = who(req);
    const { id } = req.params;
    const body = req.body;
    if (Object.keys(body).length === 0)
      throw new ValidationError('answer at least one of budget, authority, need, timeline', [
        { path: '(body)', message: 'empty' },
      ]);
    return deps.leads.qualify(id, p.actor, body, p); // the update's validator checks owner/team
  });

  // the inbound webhook authenticates by signature over the raw body, not by API key
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) =>
      done(null, body),
    );
    const inbound = op({
      summary:
        'Inbound reply from a mail provider, signed with its time: X-Dealflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">, refused outside INBOUND_SIGNATURE_TOLERANCE_SECONDS (401 signature_expired). Matched by In-Reply-To, else by the sender address: its newest open lead, else its newest closed one.',
      access: unkeyed('signature'),
      query: noQuery,
      // the signature is over the raw body: it is checked first, then the body is parsed and validated
      body: validatedInHandler(inboundBody, { raw: true }),
      ok: { 202: '{ matched: { leadId, by: "in-reply-to" | "sender", reason } } or { matched: null, reason }' },
      errors: [401, 403],
    });
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/v1/inbound/email',
      {
        schema: {
          ...inbound,
          headers: validatedInHandler(
            z.object({
              'x-dealflow-signature': z.string().describe('t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">'),
            }),
          ),
        },
      },
      async (req, reply) => {
        const raw = typeof req.body === 'string' ? req.body : '';
        const secret = deps.config.INBOUND_SECRET ?? deps.config.SIGNING_SECRET;
        const header = req.headers['x-dealflow-signature'];
        // signed time and body, refused outside the window: a captured request cannot be replayed later
        const refused = verifyInbound(
          secret,
          typeof header === 'string' ? header : undefined,
          raw,
          Date.now() / 1000,
          deps.config.INBOUND_SIGNATURE_TOLERANCE_SECONDS,
        );
        if (refused?.problem === 'signature_mismatch') throw new ForbiddenError(refused.message);
        if (refused) throw new UnauthorizedError(refused.message, refused.problem);
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch {
          throw new ValidationError('body is not JSON', [{ path: '(body)', message: 'not JSON' }]);
        }
        const msg = parseOrThrow(inboundBody, parsed, 'inbound email');
        // README "Replies and matching": the message our email answers (In-Reply-To) first; else the
        // sender's address — its newest open lead, else its newest closed one
        const byReply = msg.inReplyTo ? parseMessageId(msg.inReplyTo, mailDomain(deps.config.MAIL_FROM)) : null;
        let matched: { leadId: string; by: 'in-reply-to' | 'sender'; reason: string } | null = null;
        if (byReply) {
          matched = {
            leadId: byReply.leadId,
            by: 'in-reply-to',
            reason: 'the message it answers was sent for this lead',
          };
        } else {
          let sender: string;
          try {
            sender = addressFromHeader(msg.from);
          } catch {
            // a bounce from MAILER-DAEMON and the like: accepted (a provider would only retry a 4xx)
            return reply.status(202).send({ matched: null, reason: 'the From header holds no email address' });
          }
          const hit = await deps.leads.addresses.matchSender(sender);
          if (hit) matched = { ...hit, by: 'sender' };
        }
        if (!matched)
          return reply
            .status(202)
            .send({ matched: null, reason: 'no lead has this sender address and the message answers none of ours' });
        await deps.leads
          .replied(matched.leadId, {
            actor: 'customer',
            via: 'inbound_email',
            note: msg.subject ? `re: ${msg.subject.replace(/[\r\n]+/g, ' ').slice(0, 200)}` : undefined,
          })
          .catch((e) => {
            if (e?.name !== 'NotFoundError') throw e;
          });
        return reply.status(202).send({ matched });
      },
    );
  });

  registerUnsubscribeRoutes(app, {
    config: deps.config,
    suppression,
    onUnsubscribed: (leadId, email) => deps.leads.unsubscribed(leadId, email, 'unsubscribed'),
  });
}
