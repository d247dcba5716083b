/**
 * Builds the client side (Temporal client, Redis, task store, LeadsClient, roster) from config. The
 * API, the CLI and the tests all start here.
 */
import Redis, { type RedisOptions } from 'ioredis';
import type { Client } from '@temporalio/client';
import type { Config } from '../config/env';
import { loadRoster, type RosterIndex } from '../config/roster';
import { LiveRoster } from '../store/config/roster-store';
import { TaskStore } from '../store/tasks/task-store';
import { LeadsClient } from './leads';
import { connectClient } from './temporal';
import { leadSettingsFrom } from '../store/start-lead';

/**
 * The API's Redis client: with Redis unreachable a command fails within about a second
 * (MaxRetriesPerRequestError: the offline queue is flushed after each second reconnect attempt,
 * attempts at most 500 ms apart); a command sent to a Redis that stops answering fails after 2.5 s
 * (commandTimeout). Reconnecting never stops, so the API recovers by itself when Redis is back.
 */
const API_REDIS_OPTIONS: RedisOptions = {
  maxRetriesPerRequest: 1,
  commandTimeout: 2_500,
  connectTimeout: 2_000,
  retryStrategy: (attempt) => Math.min(attempt * 100, 500),
  enableAutoPipelining: true,
};

export interface ClientRuntime {
  config: Config;
  client: Client;
  redis: Redis;
  tasks: TaskStore;
  leads: LeadsClient;
  roster: () => RosterIndex;
  /** the live roster (an admin's PUT is followed by every process) */
  liveRoster: LiveRoster;
  close(): Promise<void>;
}

/**
 * `bounded`: for a process that answers people (the API): every Temporal call and Redis command
 * answers within a few seconds, failing when the service is down (the API then answers 503:
 * docs/ERRORS.md) — see connectClient and API_REDIS_OPTIONS.
 */
export async function createClientRuntime(
  config: Config,
  opts: { followRoster?: boolean; bounded?: boolean } = {},
): Promise<ClientRuntime> {
  const client = await connectClient(config, { bounded: opts.bounded });
  const redis = new Redis(
    config.REDIS_URL,
    opts.bounded ? API_REDIS_OPTIONS : { maxRetriesPerRequest: 2, enableAutoPipelining: true },
  );
  redis.on('error', () => undefined); // surfaced per request (503) and by /readyz
  let liveRoster: LiveRoster;
  try {
    liveRoster = await LiveRoster.start(redis, config.REDIS_PREFIX, loadRoster(config.ROSTER_FILE), {
      follow: opts.followRoster ?? true,
    });
  } catch (err) {
    // a bad roster file or an unreachable Redis: close what is open, so a failed start can exit
    redis.disconnect();
    await client.connection.close().catch(() => undefined);
    throw err;
  }
  const roster = liveRoster.get;
  const tasks = new TaskStore(redis, config.REDIS_PREFIX);
  const leads = new LeadsClient({
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
    redis,
    tasks,
    roster,
    prefix: config.REDIS_PREFIX,
    settings: leadSettingsFrom(config),
  });
  return {
    config,
    client,
    redis,
    tasks,
    leads,
    roster,
    liveRoster,
    async close() {
      liveRoster.close();
      redis.disconnect();
      await client.connection.close();
    },
  };
}
