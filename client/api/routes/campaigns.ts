/**
 * Nurture flows for marketing ops (SPEC §6, §7): campaigns, bulk enrolment (JSON array or a CSV
 * stream) and batch status. Marketing and admin only.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BulkEnrolment, readCsv, readJsonArray } from '../../bulk';
import { CampaignsClient } from '../../campaigns';
import { parseOrThrow } from '../../lead-input';
import { requireRole } from '../auth';
import { who, type ApiDeps } from '../server';
import { auditPage, pageOf } from '../page-token';
import { listCampaignsQuery, listRejectedQuery } from '../schemas';
import { NotFoundError } from '../../errors';

const ROLES = ['marketing', 'admin'] as const;
const idParam = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must match [A-Za-z0-9._:-]{1,128}') });
const actionParam = idParam.extend({ action: z.enum(['pause', 'resume', 'cancel']) });
const bulkQuery = z.strictObject({ campaign: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/).optional() });

export function registerCampaignRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { config, leads, redis } = deps;
  const common = { redis, prefix: config.REDIS_PREFIX, temporal: leads.temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, leads };
  const campaigns = new CampaignsClient(common);
  const bulk = new BulkEnrolment({ ...common, ratePerSecond: config.BULK_ENROL_RATE });

  // a CSV body reaches the route as the raw request stream: it is parsed row by row, never buffered whole
  app.addContentTypeParser(['text/csv', 'application/csv'], (_req, payload, done) => done(null, payload));

  app.post('/v1/campaigns', async (req, reply) => {
    const p = who(req);
    requireRole(p, ROLES);
    const { campaign, created } = await campaigns.create(req.body ?? {}, p.actor);
    return reply.status(created ? 201 : 200).send({ ...campaign, created });
  });

  app.get('/v1/campaigns', async (req) => {
    requireRole(who(req), ROLES);
    const q = parseOrThrow(listCampaignsQuery, req.query ?? {}, 'query');
    return pageOf(config.SIGNING_SECRET, JSON.stringify(['campaigns']), q.pageToken, (cursor) => campaigns.list({ limit: q.pageSize, cursor }));
  });

  app.get('/v1/campaigns/:id', async (req) => {
    requireRole(who(req), ROLES);
    const { id } = parseOrThrow(idParam, req.params, 'path');
    return campaigns.get(id);
  });

  app.get('/v1/campaigns/:id/history', async (req) => {
    requireRole(who(req), ROLES);
    const { id } = parseOrThrow(idParam, req.params, 'path');
    await campaigns.get(id);
    return auditPage(config.SIGNING_SECRET, `campaign:${id}`, req.query, { historyPage: (o) => campaigns.store.historyPage(id, o) });
  });

  app.post('/v1/campaigns/:id/:action', async (req) => {
    const p = who(req);
    requireRole(p, ROLES);
    const { id, action } = parseOrThrow(actionParam, req.params, 'path');
    return campaigns.setState(id, action, p.actor);
  });

  app.post('/v1/leads/bulk', { bodyLimit: 64 * 1024 * 1024 }, async (req, reply) => {
    const p = who(req);
    requireRole(p, ROLES);
    const q = parseOrThrow(bulkQuery, req.query ?? {}, 'query');
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const rows = type === 'text/csv' || type === 'application/csv' ? readCsv(req.body as Readable) : readJsonArray(req.body);
    const batch = await bulk.submit(rows, { campaign: q.campaign, actor: p.actor });
    req.log.info({ batch: batch.id, total: batch.total, accepted: batch.accepted, rejected: batch.rejectedCount, by: p.actor }, 'bulk batch submitted');
    return reply.status(202).header('location', `/v1/batches/${batch.id}`).send(batch);
  });

  /** A batch's rejected rows, all of them, paged (GET /v1/batches/:id shows the first 1000). */
  app.get('/v1/batches/:id/rejected', async (req) => {
    requireRole(who(req), ROLES);
    const { id } = parseOrThrow(z.strictObject({ id: z.string().max(64) }), req.params, 'path');
    const q = parseOrThrow(listRejectedQuery, req.query ?? {}, 'query');
    return pageOf(config.SIGNING_SECRET, JSON.stringify(['batch-rejected', id]), q.pageToken, async (cursor) => {
      const page = await bulk.batches.rejectedPage(id, { limit: q.pageSize, cursor });
      if (!page) throw new NotFoundError(`no batch "${id}"`);
      return page;
    });
  });

  app.get('/v1/batches/:id', async (req) => {
    requireRole(who(req), ROLES);
    const { id } = parseOrThrow(z.strictObject({ id: z.string().max(64) }), req.params, 'path');
    return bulk.status(id);
  });
}
