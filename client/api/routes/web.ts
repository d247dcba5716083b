/**
 * The web page (README "HTTP API"): `/` and `/assets/*`, public static files under a strict
 * Content-Security-Policy (security-headers.ts), and `GET /v1/me`, which tells the page who the key belongs to so it
 * offers only what that role may do (the API refuses the rest anyway).
 *
 * The files are the built page in `dist/web/` (web-assets.ts: `npm run build`, scripts/setup.sh,
 * or the API's own build at start when the directory is missing or stale), served from disk by
 * @fastify/static (ETag, Last-Modified, conditional requests, ranges, safe paths). Only when the
 * directory cannot be written (a read-only install without a build) is the page served from the
 * in-memory build.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { loadWebAssets, WEB_OUT, type WebAsset } from '../web-assets';
import { who, type ApiDeps } from '../context';
import { noQuery } from '../schemas';
import { allow, FROM_BROWSER, op, unkeyed } from '../openapi';

/** content-hashed names (`app-ABCD1234.js`) never change: cached for a year */
const isHashed = (name: string) => /-[A-Z0-9]{8}\./.test(name);
const ASSET_NAME = /^[A-Za-z0-9._-]+$/;

function sendFromMemory(reply: FastifyReply, a: WebAsset, ifNoneMatch: string | undefined): FastifyReply {
  reply
    .header('etag', a.etag)
    .header('cache-control', a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (ifNoneMatch === a.etag) return reply.status(304).send();
  return reply.type(a.type).send(a.body);
}

export function registerWebRoutes(app: FastifyInstance, _deps: ApiDeps): void {
  // Built (or read) once per process; a failed build is retried on the next request.
  const files = () => loadWebAssets();
  if (!_deps.documentOnly) void files().catch((e: Error) => app.log.error({ err: e }, 'web page build failed'));
  // reply.sendFile only: the two routes below decide what is served
  void app.register(fastifyStatic, { root: WEB_OUT, serve: false });

  /** Serves `name` of the page: from dist/web when the build is there, else from memory. */
  const serve = async (req: FastifyRequest, reply: FastifyReply, name: string) => {
    const built = await files();
    const a = built.get(name);
    if (!a || (name !== 'index.html' && !ASSET_NAME.test(name)))
      return reply.status(404).send({ error: { code: 'not_found', message: `no asset ${name}` } });
    if (!built.fromDisk) return sendFromMemory(reply, a, req.headers['if-none-match']);
    // the security headers (CSP and the rest) come from security-headers.ts, on every response
    return isHashed(name)
      ? reply.sendFile(name, { maxAge: '365d', immutable: true })
      : reply.header('cache-control', 'no-cache').sendFile(name, { cacheControl: false });
  };

  const page = { access: unkeyed('public', { queryIgnored: FROM_BROWSER }) };
  app.get(
    '/',
    { schema: op({ ...page, summary: 'The web page (HTML); its files are under /assets/', ok: { 200: 'page' } }) },
    (req, reply) => serve(req, reply, 'index.html'),
  );

  const assetSchema = op({
    ...page,
    summary: 'A file of the web page (content-hashed names are immutable)',
    params: z.strictObject({ file: z.string().regex(ASSET_NAME).max(200) }),
    ok: { 200: 'the file' },
    errors: [404],
  });
  app.get<{ Params: { file: string } }>('/assets/:file', { schema: assetSchema }, (req, reply) =>
    req.params.file === 'index.html'
      ? reply.status(404).send({ error: { code: 'not_found', message: 'no asset index.html' } })
      : serve(req, reply, req.params.file),
  );

  const me = op({
    summary: 'The caller: role, scope (team or rep id) and actor name. Any role.',
    access: allow('all', 'all', 'all', 'all'),
    query: noQuery,
    ok: { 200: '{ role, scope, actor }' },
  });
  app.get('/v1/me', { schema: me }, async (req) => {
    const p = who(req);
    return { role: p.role, scope: p.scope ?? null, actor: p.actor };
  });
}
