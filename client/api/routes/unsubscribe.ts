/**
 * Public unsubscribe links (README "HTTP API"): `GET /u/<token>` shows a small page with a confirm button;
 * `POST /u/<token>` unsubscribes — both the page's form and RFC 8058 one-click, where the mail
 * provider POSTs `List-Unsubscribe=One-Click` (form-urlencoded or multipart) to the URL in the
 * `List-Unsubscribe` header. A GET never unsubscribes (link scanners fetch links).
 *
 * The token (store/email/tokens.ts) is the authorisation: signed, purpose `u`, it names the lead
 * and the address to suppress, and the page's language. A forged, malformed or expired token is a 403.
 *
 * Routes are registered as `/u/*` rather than `/u/:token`: a token carries the address and the lead
 * id and can be longer than fastify's 100-character limit for a path parameter.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../../config/env';
import { z } from 'zod';
import { FROM_BROWSER, op, unkeyed, validatedInHandler } from '../openapi';
import { InvalidTokenError, verifyToken, type TokenPayload } from '../../../store/email/tokens';
import type { SuppressionEntry, SuppressionList } from '../../../store/email/suppression';
import { escapeHtml } from '../../../store/email/templates';

export interface UnsubscribeDeps {
  config: Config;
  suppression: SuppressionList;
  /** told after the address is suppressed (the wiring signals the lead's workflow); a failure is logged, not shown */
  onUnsubscribed?: (leadId: string, email: string) => Promise<void>;
}

type Lang = 'en' | 'fa';

const WORDS: Record<
  Lang,
  {
    title: string;
    ask: (email: string) => string;
    note: string;
    button: string;
    done: (email: string) => string;
    already: (email: string) => string;
  }
> = {
  en: {
    title: 'Unsubscribe',
    ask: (email) => `Unsubscribe ${email} from our emails?`,
    note: 'You will not receive any more sales emails from us.',
    button: 'Unsubscribe',
    done: (email) => `You are unsubscribed. We will not send any more emails to ${email}.`,
    already: (email) => `${email} is already unsubscribed. We will not send it any more emails.`,
  },
  fa: {
    title: 'لغو اشتراک',
    ask: (email) => `آیا می‌خواهید اشتراک ${email} را از ایمیل‌های ما لغو کنید؟`,
    note: 'پس از این، هیچ ایمیل فروشی از ما دریافت نخواهید کرد.',
    button: 'لغو اشتراک',
    done: (email) => `اشتراک شما لغو شد. دیگر ایمیلی به ${email} ارسال نمی‌کنیم.`,
    already: (email) => `اشتراک ${email} پیش‌تر لغو شده است. دیگر ایمیلی به آن ارسال نمی‌کنیم.`,
  },
};

/** Every value reaching this page goes through escapeHtml; the markup itself is constant. */
function page(lang: Lang, title: string, paragraphs: string[], form?: { action: string; button: string }): string {
  const dir = lang === 'fa' ? 'rtl' : 'ltr';
  const font =
    lang === 'fa'
      ? "Vazirmatn, Tahoma, 'Segoe UI', Arial, sans-serif"
      : "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const formHtml = form
    ? `<form method="post" action="${escapeHtml(form.action)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">${escapeHtml(form.button)}</button>
</form>`
    : '';
  return `<!doctype html>
<html lang="${lang}" dir="${dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:${font};background:#f6f7f9;color:#1f2328;margin:0;padding:48px 16px}
main{max-width:480px;margin:0 auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:22px;margin:0 0 16px}
button{font:inherit;padding:10px 20px;border:0;border-radius:4px;background:#2563eb;color:#fff;cursor:pointer}
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
${formHtml}
</main>
</body>
</html>
`;
}

function sendPage(reply: FastifyReply, status: number, htmlText: string): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .send(htmlText);
}

function forbidden(reply: FastifyReply, err: InvalidTokenError): FastifyReply {
  const message = err.reason === 'expired' ? 'this unsubscribe link has expired' : 'this unsubscribe link is not valid';
  return reply
    .status(403)
    .header('cache-control', 'no-store')
    .send({ error: { code: 'forbidden', message } });
}

/** JSON when the client asks for JSON and not for HTML; HTML otherwise. */
function wantsJson(req: FastifyRequest): boolean {
  const accept = String(req.headers.accept ?? '').toLowerCase();
  return accept.includes('application/json') && !accept.includes('text/html');
}

export function registerUnsubscribeRoutes(app: FastifyInstance, deps: UnsubscribeDeps): void {
  const { config, suppression, onUnsubscribed } = deps;

  /** The verified payload with its address, or a 403 already sent (null). */
  function tokenOf(req: FastifyRequest, reply: FastifyReply): (TokenPayload & { e: string }) | null {
    const token = (req.params as Record<string, string | undefined>)['*'] ?? '';
    try {
      const payload = verifyToken(config.SIGNING_SECRET, token, 'u', Date.now());
      if (!payload.e) throw new InvalidTokenError('malformed', 'the link names no address');
      return payload as TokenPayload & { e: string };
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      req.log.info({ reason: err.reason }, 'unsubscribe link refused');
      void forbidden(reply, err);
      return null;
    }
  }

  const langOf = (p: TokenPayload): Lang => (p.lc === 'fa' ? 'fa' : 'en');
  const isUnsubscribed = (entry: SuppressionEntry | null) => entry !== null;

  void app.register(async (scope) => {
    // Only in this scope: the body of a one-click POST is a form (urlencoded or multipart) whose one
    // field we do not need — the signed URL is the request. Anything else is read and ignored.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 8 * 1024 },
      (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, _body, done) => done(null, {}));

    const params = validatedInHandler(
      z.object({ token: z.string().describe('the signed unsubscribe token from the email') }),
    );
    const get = op({
      summary: 'Unsubscribe page (signed token): HTML',
      access: unkeyed('token', { queryIgnored: FROM_BROWSER }),
      params,
      ok: { 200: 'HTML page' },
      errors: [403],
    });
    scope.get('/u/*', { schema: get }, async (req, reply) => {
      const payload = tokenOf(req, reply);
      if (!payload) return reply;
      const lang = langOf(payload);
      const w = WORDS[lang];
      if (isUnsubscribed(await suppression.get(payload.e)))
        return sendPage(reply, 200, page(lang, w.title, [w.already(payload.e)]));
      const token = (req.params as Record<string, string>)['*'];
      return sendPage(
        reply,
        200,
        page(lang, w.title, [w.ask(payload.e), w.note], { action: `/u/${token}`, button: w.button }),
      );
    });

    const oneClick = op({
      summary: 'RFC 8058 one-click unsubscribe (HTML, or JSON for Accept: application/json)',
      access: unkeyed('token', {
        queryIgnored: FROM_BROWSER,
        bodyIgnored:
          'RFC 8058: the signed URL is the request; a mail provider posts List-Unsubscribe=One-Click as a form',
      }),
      params,
      ok: { 200: 'unsubscribed' },
      errors: [403],
    });
    scope.post('/u/*', { schema: oneClick }, async (req, reply) => {
      const payload = tokenOf(req, reply);
      if (!payload) return reply;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const oneClick = body['List-Unsubscribe'] === 'One-Click';
      const { added } = await suppression.add(payload.e, { reason: 'unsubscribed', leadId: payload.l });
      req.log.info({ leadId: payload.l, oneClick, added }, 'unsubscribed');
      if (onUnsubscribed) {
        // told every time (idempotent for the lead): a second click repairs a signal that failed before
        await onUnsubscribed(payload.l, payload.e).catch((err: unknown) =>
          req.log.error({ err, leadId: payload.l }, 'could not tell the lead about the unsubscribe'),
        );
      }
      if (wantsJson(req))
        return reply.status(200).header('cache-control', 'no-store').send({ status: 'unsubscribed', email: payload.e });
      const lang = langOf(payload);
      return sendPage(reply, 200, page(lang, WORDS[lang].title, [WORDS[lang].done(payload.e)]));
    });
  });
}
