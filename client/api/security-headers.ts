/**
 * Security headers on every response, from @fastify/helmet (README "Web page", docs/ARCHITECTURE.md
 * §13): the web page's strict Content-Security-Policy (no inline script or style, nothing from
 * elsewhere; the page talks only to this API), `X-Frame-Options: DENY`, `Referrer-Policy:
 * no-referrer`, `X-Content-Type-Options: nosniff`, `Cross-Origin-Opener-Policy: same-origin` and
 * helmet's other defaults. HSTS is left to the TLS-terminating proxy (the API speaks plain HTTP).
 * The survey and unsubscribe pages set their own, narrower CSP on their responses.
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

const WEB_CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

/** Registers the headers for every route of `app` (before the routes). */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: WEB_CSP_DIRECTIVES },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
}
