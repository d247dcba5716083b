/**
 * After the sale (README "What happens to a lead"; README "HTTP API"): the public survey page `/s/<token>` (signed, expiring,
 * single-use), `GET/PUT /v1/config/follow-up`, and `GET /v1/metrics/nps` computed from the recorded
 * answers. Routes are `/s/*` because a token can be longer than fastify's path-parameter limit.
 *
 * An answer is recorded once: `SET NX` on the lead's answer key decides; a second answer is a 409,
 * a forged token a 403, an expired one a 404, a score outside 0–10 a 400 — and none records anything.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { InvalidTokenError, verifyToken, type TokenPayload } from '../../../store/email/tokens';
import { escapeHtml } from '../../../store/email/templates';
import { followUpStore } from '../../../store/config/follow-up-store';
import { computeNps } from '../../../workflows/policy/nps';
import { durationProblem } from '../../../workflows/policy/duration';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../../store/request-errors';
import { surveyAnsweredSignal } from '../../../workflows/messages';
import { issuesToProblems } from '../../../store/request-errors';
import { reportTeam, requireRole } from '../auth';
import { answerBody, followUpBody, noQuery, npsQuery } from '../schemas';
import { who, type ApiDeps } from '../context';
import { z } from 'zod';
import { ADMIN, allow, auditOp, FROM_BROWSER, op, unkeyed, validatedInHandler } from '../openapi';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

/** `/s/{token}`: the signed token (checked by the handler: 403 forged, 404 expired). */
const tokenPath = validatedInHandler(
  z.object({ token: z.string().describe('the signed survey token from the email') }),
);
import { auditPage } from '../page-token';

const WORDS = {
  en: {
    title: 'How are we doing?',
    ask: 'How likely are you to recommend us to a friend or colleague?',
    low: 'not at all',
    high: 'extremely',
    comment: 'Anything you would like to tell us?',
    send: 'Send',
    thanks: 'Thank you for your answer!',
    already: 'You have already answered this survey. Thank you!',
  },
  fa: {
    title: 'نظر شما چیست؟',
    ask: 'چقدر احتمال دارد ما را به دوست یا همکار خود پیشنهاد کنید؟',
    low: 'اصلاً',
    high: 'بسیار زیاد',
    comment: 'چیزی هست که بخواهید به ما بگویید؟',
    send: 'ارسال',
    thanks: 'از پاسخ شما سپاسگزاریم!',
    already: 'شما قبلاً به این نظرسنجی پاسخ داده‌اید. سپاس!',
  },
};
const faDigits = (n: number) => String(n).replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[Number(d)]);

function page(lang: 'en' | 'fa', body: string): string {
  const w = WORDS[lang];
  return `<!doctype html><html lang="${lang}" dir="${lang === 'fa' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(w.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}fieldset{border:0;padding:0;display:flex;gap:.3rem;flex-wrap:wrap}label{border:1px solid #999;border-radius:.3rem;padding:.4rem .6rem}textarea{width:100%;min-height:5rem}</style></head><body><h1>${escapeHtml(w.title)}</h1>${body}</body></html>`;
}

export function registerSurveyRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const prefix = deps.config.REDIS_PREFIX;
  const followUp = followUpStore(deps.redis, prefix);

  const tokenOf = (raw: string): TokenPayload => {
    try {
      return verifyToken(deps.config.SIGNING_SECRET, raw, 's');
    } catch (e) {
      if (e instanceof InvalidTokenError && e.reason === 'expired')
        throw new NotFoundError('this survey link has expired');
      throw new ForbiddenError('this survey link is not valid');
    }
  };
  const answered = (leadId: string) => deps.redis.get(`${prefix}survey:answer:${leadId}`);
  const send = (reply: FastifyReply, status: number, html: string) =>
    reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
      .send(html);

  void app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16 * 1024 },
      (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );

    const survey = { access: unkeyed('token', { queryIgnored: FROM_BROWSER }), params: tokenPath };
    scope.get(
      '/s/*',
      {
        schema: op({
          ...survey,
          summary: 'Survey page (signed, expiring, single-use token): HTML',
          ok: { 200: 'HTML page' },
          errors: [403, 404],
        }),
      },
      async (req, reply) => {
        const token = (req.params as Record<string, string>)['*'];
        const p = tokenOf(token);
        const lang = p.lc === 'fa' ? 'fa' : 'en';
        const w = WORDS[lang];
        if (await answered(p.l)) return send(reply, 200, page(lang, `<p>${escapeHtml(w.already)}</p>`));
        const scores = Array.from(
          { length: 11 },
          (_, i) =>
            `<label><input type="radio" name="score" value="${i}" required> ${lang === 'fa' ? faDigits(i) : i}</label>`,
        ).join('');
        return send(
          reply,
          200,
          page(
            lang,
            `<form method="post" action="/s/${escapeHtml(token)}"><p>${escapeHtml(w.ask)}</p><p><small>0 = ${escapeHtml(w.low)}, 10 = ${escapeHtml(w.high)}</small></p><fieldset>${scores}</fieldset><p><label for="c">${escapeHtml(w.comment)}</label></p><textarea id="c" name="comment" maxlength="2000"></textarea><p><button type="submit">${escapeHtml(w.send)}</button></p></form>`,
          ),
        );
      },
    );

    const answer = op({
      ...survey,
      summary: 'Survey answer, once (JSON or the page form): score 0–10, comment',
      body: validatedInHandler(answerBody),
      consumes: ['application/json', 'application/x-www-form-urlencoded'],
      ok: { 200: 'recorded (HTML page, or JSON)' },
      errors: [403, 404, 409],
    });
    scope.post('/s/*', { schema: answer }, async (req, reply) => {
      const token = (req.params as Record<string, string>)['*'];
      const p = tokenOf(token);
      const parsed = answerBody.safeParse(req.body ?? {});
      if (!parsed.success) {
        const details = issuesToProblems(parsed.error.issues);
        throw new ValidationError(
          `invalid answer: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
          details,
        );
      }
      const lead = await deps.leads.get(p.l);
      if (lead.status !== 'won')
        throw new ConflictError(`this survey is closed (the deal is ${lead.status})`, 'survey_closed');
      const at = new Date().toISOString();
      const answer = {
        leadId: p.l,
        team: lead.team,
        owner: lead.owner,
        score: parsed.data.score,
        comment: parsed.data.comment?.trim() || undefined,
        at,
      };
      const key = `${prefix}survey:answer:${p.l}`;
      if ((await deps.redis.set(key, JSON.stringify(answer), 'NX')) !== 'OK')
        throw new ConflictError('this survey has already been answered', 'survey_answered');
      try {
        await deps.leads.handle(p.l).signal(surveyAnsweredSignal, { score: answer.score, comment: answer.comment, at });
      } catch (e) {
        await deps.redis.del(key); // not recorded: the customer may try again
        throw e;
      }
      await deps.redis.zadd(`${prefix}survey:answers`, Date.parse(at), JSON.stringify(answer));
      req.log.info({ leadId: p.l, score: answer.score }, 'survey answered');
      if ((req.headers.accept ?? '').includes('application/json') || req.headers['content-type']?.includes('json')) {
        return reply.status(200).send({ status: 'recorded', score: answer.score });
      }
      const lang = p.lc === 'fa' ? 'fa' : 'en';
      return send(reply, 200, page(lang, `<p>${escapeHtml(WORDS[lang].thanks)}</p>`));
    });
  });

  /** NPS over the recorded answers; a manager's is their own team's (README "HTTP API"), like every report. */
  const nps = op({
    summary:
      "NPS over the survey answers recorded in [from, to] (default: all): { from, to, team, nps (−100…100, null without answers), responses, promoters, passives, detractors, surveysSent, responseRate }. A manager's is their own team's. Roles: manager (own team), marketing, admin.",
    access: allow('all', 'all', 'team', 'none', { scopeQuery: { team: 'team' } }),
    query: npsQuery,
  });
  app.withTypeProvider<ZodTypeProvider>().get('/v1/metrics/nps', { schema: nps }, async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'marketing', 'admin']);
    const q = req.query;
    const team = reportTeam(p, q.team);
    const from = q.from ? Date.parse(q.from) : 0;
    const to = q.to ? Date.parse(q.to) : Date.now();
    if (Number.isNaN(from)) throw new ValidationError('invalid from', [{ path: 'from', message: 'an ISO-8601 time' }]);
    if (Number.isNaN(to)) throw new ValidationError('invalid to', [{ path: 'to', message: 'an ISO-8601 time' }]);
    const answers = (await deps.redis.zrangebyscore(`${prefix}survey:answers`, from, to)).map(
      (r) => JSON.parse(r) as { team: string; score: number },
    );
    const sent = (await deps.redis.zrangebyscore(`${prefix}survey:sent`, from, to)).map((m) => m.split('|')[1]);
    const mine = team ? answers.filter((a) => a.team === team) : answers;
    const sentCount = team ? sent.filter((t) => t === team).length : sent.length;
    return {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      team: team ?? null,
      ...computeNps(
        mine.map((a) => a.score),
        sentCount,
      ),
      surveysSent: sentCount,
    };
  });

  const followUpGet = op({
    summary: 'Follow-up timings (thank-you, survey, reminder, check-ins, detractor SLA). Roles: manager, admin.',
    access: allow('all', 'none', 'all', 'none'),
    query: noQuery,
    ok: { 200: 'follow-up document' },
  });
  app.get('/v1/config/follow-up', { schema: followUpGet }, async (req) => {
    requireRole(who(req), ['manager', 'admin']);
    return followUp.get();
  });

  app.get(
    '/v1/config/follow-up/history',
    {
      schema: auditOp(
        'Audit log of the follow-up settings. Roles: manager, admin',
        allow('all', 'none', 'all', 'none'),
      ),
    },
    async (req) => {
      requireRole(who(req), ['manager', 'admin']);
      return auditPage(deps.config.SIGNING_SECRET, 'follow-up', req.query, followUp);
    },
  );

  /** The follow-up timings are company-wide (no per-team part), so only an admin changes them. */
  const followUpPut = op({
    summary:
      'Change follow-up timings (company-wide; each a duration such as 3d, at most 3650d); validated, versioned, audited. Role: admin.',
    access: ADMIN,
    query: noQuery,
    // the handler adds the duration checks to the schema's own problems, in one 400
    body: validatedInHandler(followUpBody),
    ok: { 200: 'the new document' },
  });
  app.put('/v1/config/follow-up', { schema: followUpPut }, async (req) => {
    const p = who(req);
    requireRole(p, ['admin']);
    const r = followUpBody.safeParse(req.body ?? {});
    const problems: { path: string; message: string }[] = r.success ? [] : issuesToProblems(r.error.issues);
    if (r.success) {
      const check = (path: string, v: string | undefined, zeroOk: boolean) => {
        if (v === undefined) return;
        const problem = durationProblem(v, { allowZero: zeroOk });
        if (problem) problems.push({ path, message: problem });
      };
      check('thankYou', r.data.thankYou, true);
      check('surveyAfter', r.data.surveyAfter, false);
      check('surveyReminderAfter', r.data.surveyReminderAfter, false);
      check('detractorSla', r.data.detractorSla, false);
      r.data.checkIns?.forEach((c, i) => check(`checkIns.${i}`, c, false));
    }
    if (problems.length)
      throw new ValidationError(
        `invalid follow-up settings: ${problems.map((x) => `${x.path}: ${x.message}`).join('; ')}`,
        problems,
      );
    const { doc } = await followUp.update(p.actor, (cur) => ({
      thankYou: r.data!.thankYou ?? cur.thankYou,
      surveyAfter: r.data!.surveyAfter ?? cur.surveyAfter,
      surveyReminderAfter: r.data!.surveyReminderAfter ?? cur.surveyReminderAfter,
      checkIns: r.data!.checkIns ?? cur.checkIns,
      detractorSla: r.data!.detractorSla ?? cur.detractorSla,
    }));
    return doc;
  });
}
