/**
 * Nurture flows for marketing ops (README "Nurture flows"; README "HTTP API"): campaigns, bulk enrolment (JSON array or a CSV
 * stream) and batch status. Marketing and admin only.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BulkEnrolment, readCsv, readJsonArray } from '../../bulk';
import { delimiterFor, encodingKnown } from '../../csv-import';
import { CampaignsClient } from '../../campaigns';
import { parseOrThrow } from '../../lead-input';
import { ValidationError } from '../../../store/request-errors';
import { requireRole } from '../auth';
import { who, type ApiDeps } from '../context';
import { auditPage, pageOf } from '../page-token';
import { listCampaignsQuery, listRejectedQuery, noBody, noQuery } from '../schemas';
import { NotFoundError } from '../../../store/request-errors';

const ROLES = ['marketing', 'admin'] as const;
const idParam = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must match [A-Za-z0-9._:-]{1,128}') });
/** `?campaign=` for every row; for a CSV body also `?encoding=` (default UTF-8) and `?delimiter=` (default: detected). */
const bulkQuery = z.strictObject({
  campaign: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/).optional(),
  encoding: z.string().refine(encodingKnown, 'unknown encoding (for example utf-8, windows-1252, iso-8859-15, utf-16le)').optional(),
  delimiter: z.string().refine((d) => delimiterFor(d) !== undefined, 'must be one of , ; tab | (or comma, semicolon, tab, pipe)').optional(),
});

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
    parseOrThrow(noQuery, req.query ?? {}, 'query');
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
    parseOrThrow(noQuery, req.query ?? {}, 'query');
    return campaigns.get(id);
  });

  app.get('/v1/campaigns/:id/history', async (req) => {
    requireRole(who(req), ROLES);
    const { id } = parseOrThrow(idParam, req.params, 'path');
    await campaigns.get(id);
    return auditPage(config.SIGNING_SECRET, `campaign:${id}`, req.query, { historyPage: (o) => campaigns.store.historyPage(id, o) });
  });

  // one route per action, so each is its own operation in the OpenAPI document
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    app.post(`/v1/campaigns/:id/${action}`, async (req) => {
      const p = who(req);
      requireRole(p, ROLES);
      const { id } = parseOrThrow(idParam, req.params, 'path');
      parseOrThrow(noQuery, req.query ?? {}, 'query');
      parseOrThrow(noBody, req.body ?? {}, 'request body');
      return campaigns.setState(id, action, p.actor);
    });
  }

  app.post('/v1/leads/bulk', { bodyLimit: 64 * 1024 * 1024 }, async (req, reply) => {
    const p = who(req);
    requireRole(p, ROLES);
    const q = parseOrThrow(bulkQuery, req.query ?? {}, 'query');
    const [type, ...params] = String(req.headers['content-type'] ?? '').split(';').map((t) => t.trim());
    const csv = type.toLowerCase() === 'text/csv' || type.toLowerCase() === 'application/csv';
    // a CSV's encoding: ?encoding=, else the Content-Type's charset, else UTF-8 (README "Importing a CSV file")
    const charset = params.map((p) => /^charset\s*=\s*"?([^";]+)"?$/i.exec(p)?.[1]).find(Boolean);
    if (!csv && (q.encoding !== undefined || q.delimiter !== undefined)) {
      const field = q.encoding !== undefined ? 'encoding' : 'delimiter';
      throw new ValidationError(`invalid query: ${field}: applies to a text/csv body only`, [{ path: field, message: 'applies to a text/csv body only' }]);
    }
    if (csv && q.encoding === undefined && charset !== undefined && !encodingKnown(charset)) {
      throw new ValidationError(`invalid content-type: charset: unknown encoding "${charset}"`, [{ path: 'content-type.charset', message: 'unknown encoding' }]);
    }
    const rows = csv ? readCsv(req.body as Readable, { encoding: q.encoding ?? charset, delimiter: q.delimiter, via: 'query' }) : readJsonArray(req.body);
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
    parseOrThrow(noQuery, req.query ?? {}, 'query');
    return bulk.status(id);
  });
}
