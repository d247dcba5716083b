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
import { ValidationError } from '../../../store/request-errors';
import { requireRole } from '../auth';
import { who, type ApiDeps } from '../context';
import { auditPage, pageOf } from '../page-token';
import { batchIdParam, campaignIdParam, listCampaignsQuery, listRejectedQuery, noBody, noQuery } from '../schemas';
import { idSchema, leadInputSchema } from '../../lead-input';
import { allow, auditOp, MARKETING, op, PAGING_WORDS, validatedInHandler } from '../openapi';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { campaignInputSchema } from '../../campaigns';
import { NotFoundError } from '../../../store/request-errors';

const ROLES = ['marketing', 'admin'] as const;
/** `?campaign=` for every row; for a CSV body also `?encoding=` (default UTF-8) and `?delimiter=` (default: detected). */
const bulkQuery = z.strictObject({
  campaign: idSchema().optional(),
  encoding: z
    .string()
    .refine(encodingKnown, 'unknown encoding (for example utf-8, windows-1252, iso-8859-15, utf-16le)')
    .optional(),
  delimiter: z
    .string()
    .refine((d) => delimiterFor(d) !== undefined, 'must be one of , ; tab | (or comma, semicolon, tab, pipe)')
    .optional(),
});

export function registerCampaignRoutes(fastify: FastifyInstance, deps: ApiDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const onCampaign = { access: allow('all', 'all', 'none', 'none', { pathId: 'campaign' }), params: campaignIdParam };
  const { config, leads, redis } = deps;
  const common = {
    redis,
    prefix: config.REDIS_PREFIX,
    temporal: leads.temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    leads,
  };
  const campaigns = new CampaignsClient(common);
  const bulk = new BulkEnrolment({ ...common, ratePerSecond: config.BULK_ENROL_RATE });

  // a CSV body reaches the route as the raw request stream: it is parsed row by row, never buffered whole
  app.addContentTypeParser(['text/csv', 'application/csv'], (_req, payload, done) => done(null, payload));

  const create = op({
    summary: 'Create a nurture campaign (id optional; cadence must exist). Roles: marketing, admin.',
    access: MARKETING,
    query: noQuery,
    // campaigns.create validates it (and that the cadence exists)
    body: validatedInHandler(campaignInputSchema),
    ok: { 201: 'the campaign, created: true', 200: 'the campaign, created: false (it already existed)' },
  });
  app.post('/v1/campaigns', { schema: create }, async (req, reply) => {
    const p = who(req);
    requireRole(p, ROLES);
    const { campaign, created } = await campaigns.create(req.body ?? {}, p.actor);
    return reply.status(created ? 201 : 200).send({ ...campaign, created });
  });

  const list = op({
    summary: `List campaigns, oldest first (equal creation times by id); paged by (creation time, id). Roles: marketing, admin. ${PAGING_WORDS}`,
    access: MARKETING,
    query: listCampaignsQuery,
  });
  app.get('/v1/campaigns', { schema: list }, async (req) => {
    requireRole(who(req), ROLES);
    const q = req.query;
    return pageOf(config.SIGNING_SECRET, JSON.stringify(['campaigns']), q.pageToken, (cursor) =>
      campaigns.list({ limit: q.pageSize, cursor }),
    );
  });

  app.get(
    '/v1/campaigns/:id',
    { schema: op({ ...onCampaign, summary: 'A campaign with size and progress', query: noQuery, errors: [404] }) },
    async (req) => {
      requireRole(who(req), ROLES);
      const { id } = req.params;
      return campaigns.get(id);
    },
  );

  const history = auditOp(
    "Audit log of the campaign's state changes. Roles: marketing, admin",
    onCampaign.access,
    campaignIdParam,
    [404],
  );
  app.get('/v1/campaigns/:id/history', { schema: history }, async (req) => {
    requireRole(who(req), ROLES);
    const { id } = req.params;
    await campaigns.get(id);
    return auditPage(config.SIGNING_SECRET, `campaign:${id}`, req.query, {
      historyPage: (o) => campaigns.store.historyPage(id, o),
    });
  });

  // one route per action, so each is its own operation in the OpenAPI document
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    const summary = {
      pause: 'Pause: holds the cadence emails of its leads',
      resume: 'Resume: releases the held emails',
      cancel: 'Cancel: ends the cadence of its leads',
    }[action];
    app.post(
      `/v1/campaigns/:id/${action}`,
      {
        schema: op({
          ...onCampaign,
          summary,
          query: noQuery,
          body: noBody,
          ok: { 200: 'the campaign' },
          errors: [404, 409],
        }),
      },
      async (req) => {
        const p = who(req);
        requireRole(p, ROLES);
        const { id } = req.params;
        return campaigns.setState(id, action, p.actor);
      },
    );
  }

  const bulkSchema = op({
    summary:
      'Bulk enrolment: a JSON array of lead inputs or text/csv (streamed; README "Importing a CSV file"); encoding and delimiter apply to CSV only. Roles: marketing, admin.',
    access: MARKETING,
    query: bulkQuery,
    // rows are validated one by one as they stream in (a bad row is rejected, not the batch)
    body: validatedInHandler(z.union([z.array(leadInputSchema), z.string().describe('a CSV file')])),
    consumes: ['application/json', 'text/csv'],
    ok: { 202: 'the batch: { id, status, total, accepted, enrolled, started, rejected: [{ line, reason }], … }' },
    errors: [404, 413, 415],
  });
  app.post(
    '/v1/leads/bulk',
    { bodyLimit: 64 * 1024 * 1024, config: { accepts: ['text/csv', 'application/csv'] }, schema: bulkSchema },
    async (req, reply) => {
      const p = who(req);
      requireRole(p, ROLES);
      const q = req.query;
      const [type, ...params] = String(req.headers['content-type'] ?? '')
        .split(';')
        .map((t) => t.trim());
      const csv = type.toLowerCase() === 'text/csv' || type.toLowerCase() === 'application/csv';
      // a CSV's encoding: ?encoding=, else the Content-Type's charset, else UTF-8 (README "Importing a CSV file")
      const charset = params.map((p) => /^charset\s*=\s*"?([^";]+)"?$/i.exec(p)?.[1]).find(Boolean);
      if (!csv && (q.encoding !== undefined || q.delimiter !== undefined)) {
        const field = q.encoding !== undefined ? 'encoding' : 'delimiter';
        throw new ValidationError(`invalid query: ${field}: applies to a text/csv body only`, [
          { path: field, message: 'applies to a text/csv body only' },
        ]);
      }
      if (csv && q.encoding === undefined && charset !== undefined && !encodingKnown(charset)) {
        throw new ValidationError(`invalid content-type: charset: unknown encoding "${charset}"`, [
          { path: 'content-type.charset', message: 'unknown encoding' },
        ]);
      }
      const rows = csv
        ? readCsv(req.body as Readable, { encoding: q.encoding ?? charset, delimiter: q.delimiter, via: 'query' })
        : readJsonArray(req.body);
      const batch = await bulk.submit(rows, { campaign: q.campaign, actor: p.actor });
      req.log.info(
        { batch: batch.id, total: batch.total, accepted: batch.accepted, rejected: batch.rejectedCount, by: p.actor },
        'bulk batch submitted',
      );
      return reply.status(202).header('location', `/v1/batches/${batch.id}`).send(batch);
    },
  );

  /** A batch's rejected rows, all of them, paged (GET /v1/batches/:id shows the first 1000). */
  const onBatch = {
    access: allow('all', 'all', 'none', 'none', { pathId: 'batch' }),
    params: batchIdParam,
    errors: [404],
  };
  const rejected = op({
    ...onBatch,
    summary: `A bulk batch's rejected rows, all of them, in the order read (GET /v1/batches/{id} shows the first 1000); paged by place in that append-only list. Roles: marketing, admin. ${PAGING_WORDS}`,
    query: listRejectedQuery,
    ok: { 200: '{ items: [{ line, reason }], nextPageToken? }' },
  });
  app.get('/v1/batches/:id/rejected', { schema: rejected }, async (req) => {
    requireRole(who(req), ROLES);
    const { id } = req.params;
    const q = req.query;
    return pageOf(config.SIGNING_SECRET, JSON.stringify(['batch-rejected', id]), q.pageToken, async (cursor) => {
      const page = await bulk.batches.rejectedPage(id, { limit: q.pageSize, cursor });
      if (!page) throw new NotFoundError(`no batch "${id}"`);
      return page;
    });
  });

  app.get(
    '/v1/batches/:id',
    {
      schema: op({
        ...onBatch,
        summary: 'Batch progress, counts and rejected rows',
        query: noQuery,
        ok: { 200: 'batch' },
      }),
    },
    async (req) => {
      requireRole(who(req), ROLES);
      const { id } = req.params;
      return bulk.status(id);
    },
  );
}
