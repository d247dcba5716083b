/**
 * `dealflow api`: the HTTP API process. Stops cleanly on SIGINT/SIGTERM. A start-up failure (the
 * port in use, a bad roster file) closes what was opened and rejects, so the process can exit.
 */
import type { Config } from '../config/env';
import { createClientRuntime } from '../client/runtime';
import { buildApi } from '../client/api/server';

/** @public the CLI loads it lazily with require() (eslint.config.mjs), which knip does not follow */
export async function startApi(config: Config) {
  const rt = await createClientRuntime(config, { bounded: true });
  let app: Awaited<ReturnType<typeof buildApi>> | undefined;
  let address: string;
  try {
    app = await buildApi({
      config,
      leads: rt.leads,
      tasks: rt.tasks,
      redis: rt.redis,
      roster: rt.roster,
      liveRoster: rt.liveRoster,
    });
    address = await app.listen({ port: config.HTTP_PORT, host: config.HTTP_HOST });
  } catch (err) {
    await app?.close().catch(() => undefined);
    await rt.close().catch(() => undefined);
    throw err;
  }
  return {
    app,
    address,
    runtime: rt,
    async stop() {
      await app.close();
      await rt.close();
    },
  };
}

/** @public the CLI loads it lazily with require() (eslint.config.mjs), which knip does not follow */
export async function runApi(config: Config): Promise<void> {
  const api = await startApi(config);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await api.stop();
}
