/** Request schemas of the HTTP API (zod): the one source for validation and the OpenAPI document. */
import { z } from 'zod';
import { freeText, idSchema } from '../lead-input';
import { TASK_ID_MAX_LENGTH } from '../../workflows/policy/ids';
import { ACTIVITY_TYPES, STAGES, STATUSES } from '../../config/defaults';
import { isValidScore } from '../../workflows/policy/nps';
import { webhookEventsSchema, webhookSecretSchema, webhookUrlSchema } from '../../store/tasks/webhook';

/** `{id}` of /v1/leads/{id}…: a lead id (workflows/policy/ids.ts). */
export const leadIdParam = z.strictObject({ id: idSchema() });
/** `{id}` of /v1/tasks/{id}…: a task id (a lead id and a suffix). */
export const taskIdParam = z.strictObject({ id: idSchema(TASK_ID_MAX_LENGTH) });
/** `{id}` of /v1/campaigns/{id}… and /v1/batches/{id}…. */
export const campaignIdParam = z.strictObject({ id: idSchema() });
export const batchIdParam = z.strictObject({ id: idSchema() });
/**
 * The longest path parameter the router takes (fastify `maxParamLength`; longer is a 414): the
 * longest id (a task id) with every character percent-encoded, so every id that can be created
 * can be addressed however a client encodes it.
 */
export const PATH_PARAM_MAX_LENGTH = TASK_ID_MAX_LENGTH * 3;

/**
 * Strictness (README "HTTP API"): every route parses its query string and body with a strict object,
 * so an unknown parameter or field is a 400 naming it. These are for routes that take none.
 */
export const noQuery = z.strictObject({});

export const noBody = z.strictObject({});
export const claimBody = z.strictObject({
  assignee: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'a rep id')
    .optional(),
});

export const moveBody = z.strictObject({
  to: z.enum(STAGES as unknown as [string, ...string[]], { message: `must be one of ${STAGES.join(', ')}` }),
  note: freeText(5000).optional(),
});
export const activityBody = z.strictObject({
  type: z.enum(ACTIVITY_TYPES as unknown as [string, ...string[]], {
    message: `must be one of ${ACTIVITY_TYPES.join(', ')}`,
  }),
  note: freeText(5000).optional(),
});
export const repliedBody = z.strictObject({ note: freeText(5000).optional() });
export const wonBody = z.strictObject({
  amount: z.number().min(0).max(1e12).optional(),
  note: freeText(5000).optional(),
});
export const lostBody = z.strictObject({ reason: freeText(2000).trim().min(1, 'a reason is required') });

/**
 * The paging fields every list route takes (README "Paging"): `pageSize` (1–max; never more items
 * than this a page) and `pageToken` (the `nextPageToken` of the page before, opaque and bound to
 * its list and filter; anything else is a 400 for `pageToken`).
 */
function pageFields(max: number) {
  return {
    pageSize: z.coerce.number().int().min(1).max(max).optional(),
    pageToken: z.string().min(1).max(4096).optional(),
  };
}

const boolString = z.enum(['true', 'false']).transform((v) => v === 'true');
export const listLeadsQuery = z.strictObject({
  stage: z.enum(STAGES as unknown as [string, ...string[]]).optional(),
  owner: idSchema().optional(),
  team: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .optional(),
  status: z.enum(STATUSES as unknown as [string, ...string[]]).optional(),
  stalled: boolString.optional(),
  campaign: idSchema().optional(),
  count: boolString.optional(),
  ...pageFields(1000),
});
export const listTasksQuery = z.strictObject({
  assignee: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/)
    .optional(),
  team: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .optional(),
  status: z.enum(['open', 'done', 'cancelled', 'all']).optional(),
  ...pageFields(500),
});

/** `?pageSize=&pageToken=` of a paged audit log (and `limit`, the older name of pageSize). */
export const historyQuery = z.strictObject({
  ...pageFields(1000),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
/** `?pageSize=&pageToken=` of a lead's timeline (oldest first). */
export const timelineQuery = z.strictObject(pageFields(1000));
/** `?pageSize=&pageToken=` of the campaign list. */
export const listCampaignsQuery = z.strictObject(pageFields(1000));
/** `?pageSize=&pageToken=` of a batch's rejected rows. */
export const listRejectedQuery = z.strictObject(pageFields(1000));

// ---- reporting (client/api/routes/metrics.ts) ----
const teamQ = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a team id');
const isoQ = z.string().max(40);
export const pipelineQuery = z.strictObject({ team: teamQ.optional() });
export const npsQuery = z.strictObject({ from: isoQ.optional(), to: isoQ.optional(), team: teamQ.optional() });
export const funnelQuery = z.strictObject({ from: isoQ.optional(), to: isoQ.optional(), team: teamQ.optional() });
export const segmentsQuery = z.strictObject({
  by: z.enum(['source', 'industry', 'size', 'team'], { message: 'must be one of source, industry, size, team' }),
  from: isoQ.optional(),
  to: isoQ.optional(),
  team: teamQ.optional(),
});
export const forecastBody = z.strictObject({ probabilities: z.record(z.string(), z.number().min(0).max(1)) });
/** PUT /v1/config/rates (documentation; client/metrics/money.ts validateRates checks codes against the ISO 4217 list) */
export const ratesBody = z.strictObject({
  base: z.string().regex(/^[A-Z]{3}$/),
  rates: z.record(z.string().regex(/^[A-Z]{3}$/), z.number().positive()),
});
export const goalsBody = z.strictObject({
  goals: z.array(
    z.strictObject({
      team: teamQ,
      period: z.string().regex(/^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$/, 'YYYY, YYYY-Qn or YYYY-MM'),
      metric: z.enum(['newCustomers', 'wonValue', 'leadsContacted']),
      target: z.number().positive().nullable(),
      /** ISO 4217, required for wonValue (client/metrics/service.ts validateGoals checks it against the ISO list) */
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/)
        .optional(),
    }),
  ),
});

// ---- email, survey and team config (routes/email.ts, routes/survey.ts, routes/webhooks.ts) ----
export const qualificationBody = z.strictObject({
  budget: z.boolean().optional(),
  authority: z.boolean().optional(),
  need: z.boolean().optional(),
  timeline: z.boolean().optional(),
});

export const inboundBody = z.strictObject({
  from: z.string().min(3).max(500),
  to: z.union([z.string(), z.array(z.string())]).optional(),
  subject: z.string().max(2000).optional(),
  inReplyTo: z.string().max(2000).optional().nullable(),
  messageId: z.string().max(2000).optional().nullable(),
});

/** The survey answer (`POST /s/<token>`, JSON or the page's form). */
export const answerBody = z.strictObject({
  score: z
    .union([
      z.number(),
      z
        .string()
        .regex(/^\d{1,2}$/)
        .transform(Number),
    ])
    .refine(isValidScore, 'must be a whole number from 0 to 10'),
  comment: freeText(2000).optional(),
});

export const followUpBody = z.strictObject({
  thankYou: z.string().optional(),
  surveyAfter: z.string().optional(),
  surveyReminderAfter: z.string().optional(),
  checkIns: z.array(z.string()).max(10).optional(),
  detractorSla: z.string().optional(),
});

export const webhooksPutSchema = z.strictObject({
  teams: z.record(
    teamQ,
    z
      .strictObject({
        url: webhookUrlSchema,
        secret: webhookSecretSchema.optional(),
        events: webhookEventsSchema.optional(),
      })
      .nullable(),
  ),
});
