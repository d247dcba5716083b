/**
 * The web page (README "HTTP API"): `/` and `/assets/*`, public static files under a strict
 * Content-Security-Policy (security-headers.ts), and `GET /v1/me`, which tells the page who the key belongs to so it
 * offers only what that role may do (the API refuses the rest anyway).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { loadWebAssets, type WebAsset } from '../web-assets';
import { who, type ApiDeps } from '../context';
import { parseOrThrow } from '../../lead-input';
import { noQuery } from '../schemas';

function send(reply: FastifyReply, a: WebAsset, ifNoneMatch: string | undefined): FastifyReply {
  // the security headers (CSP and the rest) come from security-headers.ts, on every response
  reply
    .header('etag', a.etag)
    .header('cache-control', a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (ifNoneMatch === a.etag) return reply.status(304).send();
  return reply.type(a.type).send(a.body);
}

export function registerWebRoutes(app: FastifyInstance, _deps: ApiDeps): void {
  // Built (or read) once per process; a failed build is retried on the next request.
  const files = () => loadWebAssets();
  void files().catch((e: Error) => app.log.error({ err: e }, 'web page build failed'));

  app.get('/', async (req, reply) => {
    const index = (await files()).get('index.html')!;
    return send(reply, index, req.headers['if-none-match']);
  });

  app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => {
    const name = req.params.file;
    const a = name !== 'index.html' && /^[A-Za-z0-9._-]+$/.test(name) ? (await files()).get(name) : undefined;
    if (!a) return reply.status(404).send({ error: { code: 'not_found', message: `no asset ${name}` } });
    return send(reply, a, req.headers['if-none-match']);
  });

  app.get('/v1/me', async (req) => {
    const p = who(req);
    parseOrThrow(noQuery, req.query ?? {}, 'query');
    return { role: p.role, scope: p.scope ?? null, actor: p.actor };
  });
}
