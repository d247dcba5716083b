/**
 * What every route module receives from the API server (client/api/server.ts): its dependencies
 * (`ApiDeps`), the caller of a /v1 route (`who`) and the request fields the auth hook sets. The
 * server imports the routes and the routes import this module, never the server, so the imports
 * run one way (docs/ARCHITECTURE.md, "Layers").
 */
import type { FastifyRequest } from 'fastify';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../../config/env';
import type { RosterIndex } from '../../config/roster';
import type { LiveRoster } from '../../store/config/roster-store';
import type { TaskStore } from '../../store/tasks/task-store';
import type { LeadsClient } from '../leads';
import type { Principal } from './auth';

export interface ApiDeps {
  config: Config;
  leads: LeadsClient;
  tasks: TaskStore;
  redis: Redis;
  roster: () => RosterIndex;
  /** the live roster behind roster(), so an admin's PUT applies here at once (others follow by pub/sub) */
  liveRoster?: LiveRoster;
  logger?: Logger | boolean;
  /** build the routes for their OpenAPI document only (openapi.ts openApiDocument): nothing is started */
  documentOnly?: boolean;
}

/** A route as registered (method and fastify URL pattern); test/client/api/access-matrix.test.ts compares these with the OpenAPI document. */
export interface RegisteredRoute {
  method: string;
  url: string;
  /** left out of the document on purpose: the docs UI's own files (/docs, /docs/static/*, …) */
  hidden: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    /** every route registered on this API, in order */
    registeredRoutes: readonly RegisteredRoute[];
  }
}

/** The authenticated caller of a /v1 route (set by the auth hook). */
export function who(req: FastifyRequest): Principal {
  if (!req.principal) throw new Error('route is missing authentication');
  return req.principal;
}
