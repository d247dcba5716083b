/**
 * The OpenAPI document of the API without a running stack (scripts/access-matrix.ts renders README's
 * access matrix from it). Apart from openapi.ts because it builds the server, whose routes import
 * openapi.ts.
 */
import Redis from 'ioredis';
import { loadConfig } from '../../config/env';
import { loadRoster, RosterIndex } from '../../config/roster';
import { buildApi } from './server';
import { documentOf, type OpenApiDocument } from './openapi';

/**
 * The document without a running stack (scripts/access-matrix.ts): the API built on a Redis client
 * that never connects and no Temporal client; no route is called.
 */
export async function openApiDocument(baseUrl = 'http://127.0.0.1:3000'): Promise<OpenApiDocument> {
  const config = { ...loadConfig({}), PUBLIC_BASE_URL: baseUrl };
  const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  const roster = new RosterIndex(loadRoster(config.ROSTER_FILE));
  const app = await buildApi({
    config,
    redis,
    roster: () => roster,
    leads: {} as never,
    tasks: {} as never,
    logger: false,
    documentOnly: true,
  });
  try {
    await app.ready();
    return documentOf(app);
  } finally {
    await app.close();
    redis.disconnect();
  }
}
