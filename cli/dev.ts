/**
 * `dealflow dev`: the whole local stack in one command. Starts what is not configured — a Temporal
 * dev server (SQLite in .data/temporal.db, search attributes registered), Redis (append-only file in
 * .data/redis), an SMTP catcher — then a worker and the API, and prints the URLs and demo keys.
 * A service whose address is configured (TEMPORAL_ADDRESS, REDIS_URL, SMTP_URL) is used as it is.
 * Ctrl-C stops everything it started. A start-up failure (a bad configuration, a port in use, a
 * service that does not come up) prints the reason, stops what was started and returns 1; the
 * configuration is checked before anything starts.
 */
import path from 'node:path';
import { DEMO_API_KEYS, loadConfig, type Config } from '../config/env';
import { REPO_ROOT } from '../config/repo-root';
import { startMailCatcher, startRedis, startTemporalDevServer, type ManagedService } from '../devstack/services';

const ROOT = REPO_ROOT;

/** `dealflow dev`'s options (cli/commands/servers.ts parses them). */
/** @public the CLI names it in `typeof import(...)` for a lazy require(), which knip does not follow */
export interface DevOptions {
  dataDir?: string;
  temporalPort: number;
  uiPort: number;
  redisPort: number;
  smtpPort: number;
  mailPort: number;
}

/**
 * The configuration dev will run with, checked before it starts anything: the addresses it would
 * fill in for services it starts stand in for the real ones (a ConfigError names every bad variable).
 */
function devConfig(env: NodeJS.ProcessEnv): Config {
  return loadConfig({
    ...env,
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS || '127.0.0.1:7233',
    REDIS_URL: env.REDIS_URL || 'redis://127.0.0.1:6379',
    SMTP_URL: env.SMTP_URL || 'smtp://127.0.0.1:1025',
    API_KEYS: env.API_KEYS || DEMO_API_KEYS,
  });
}

/** @public the CLI loads it lazily with require() (eslint.config.mjs), which knip does not follow */
export async function runDev(values: DevOptions): Promise<number> {
  devConfig(process.env); // before anything starts: a ConfigError is a usage error (exit 2)
  const dataDir = path.resolve(values.dataDir ?? path.join(ROOT, '.data'));
  const started: ManagedService[] = [];
  const lines: string[] = [];
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    for (const s of [...started].reverse()) await s.stop().catch(() => undefined);
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));

  try {
    const env = process.env;
    if (!env.TEMPORAL_ADDRESS) {
      process.stdout.write('starting Temporal dev server… ');
      const t = await startTemporalDevServer({
        dbFile: path.join(dataDir, 'temporal.db'),
        port: values.temporalPort,
        uiPort: values.uiPort,
        logDir: dataDir,
      });
      started.push(t);
      env.TEMPORAL_ADDRESS = t.address;
      console.log('ok');
      lines.push(`Temporal          ${t.address}  (UI ${t.uiUrl})`);
    } else lines.push(`Temporal          ${env.TEMPORAL_ADDRESS}  (configured)`);
    if (!env.REDIS_URL) {
      process.stdout.write('starting Redis… ');
      const r = await startRedis({ dataDir: path.join(dataDir, 'redis'), port: values.redisPort, logDir: dataDir });
      started.push(r);
      env.REDIS_URL = r.url;
      console.log('ok');
      lines.push(`Redis             ${r.url}  (append-only file in ${path.join(dataDir, 'redis')})`);
    } else lines.push(`Redis             ${env.REDIS_URL}  (configured)`);
    if (!env.SMTP_URL) {
      process.stdout.write('starting SMTP catcher… ');
      const m = await startMailCatcher({ smtpPort: values.smtpPort, httpPort: values.mailPort });
      started.push(m);
      env.SMTP_URL = m.smtpUrl;
      console.log('ok');
      lines.push(`SMTP catcher      ${m.smtpUrl}  (messages at ${m.httpUrl})`);
    } else lines.push(`SMTP              ${env.SMTP_URL}  (configured)`);
    const demoKeys = !env.API_KEYS;
    if (demoKeys) env.API_KEYS = DEMO_API_KEYS;
    const config = loadConfig(env);

    const { createWorker } = require('../workers/worker') as typeof import('../workers/worker'); // loaded lazily: heavy
    const { startApi } = require('./run-api') as typeof import('./run-api'); // loaded lazily: heavy
    const worker = await createWorker(config);
    const running = worker.run();
    running.catch(() => undefined); // awaited below; a failure before then is reported there, not as an unhandled rejection
    started.push({ name: 'worker', url: '', stop: () => worker.shutdown() });
    const { ensureDigestSchedule, ensureReconcileSchedule } =
      require('../client/schedules') as typeof import('../client/schedules');
    const api = await startApi(config);
    started.push({ name: 'api', url: api.address, stop: () => api.stop() });
    await ensureDigestSchedule(api.runtime.client, { taskQueue: config.TEMPORAL_TASK_QUEUE }).catch((e: Error) =>
      console.warn(`digest schedule: ${e.message}`),
    );
    await ensureReconcileSchedule(api.runtime.client, { taskQueue: config.TEMPORAL_TASK_QUEUE }).catch((e: Error) =>
      console.warn(`metrics reconcile schedule: ${e.message}`),
    );

    lines.unshift(
      `API               ${api.address}   (OpenAPI at ${api.address}/docs, health ${api.address}/readyz)`,
      `Web page          ${api.address}/   (sign in with one of the API keys below)`,
      `Metrics           ${api.address}/metrics   (Prometheus)`,
    );
    console.log('\ndealflow is running\n');
    for (const l of lines) console.log('  ' + l);
    if (demoKeys) {
      console.log('\n  Demo API keys (Authorization: Bearer <key>):');
      for (const part of DEMO_API_KEYS.split(',')) {
        const [key, role] = part.split('=');
        console.log(`    ${role.padEnd(16)} ${key}`);
      }
    }
    console.log(
      `\n  Try:\n    curl -s -H 'Authorization: Bearer demo-manager-alpha' -H 'content-type: application/json' \\\n      -d '{"email":"ada@example.com","name":"Ada","company":"Analytical Engines","team":"alpha"}' ${api.address}/v1/leads`,
    );
    console.log(`    curl -s -H 'Authorization: Bearer demo-manager-alpha' ${api.address}/v1/leads\n`);
    console.log('  Ctrl-C stops everything dealflow dev started; data stays in ' + dataDir);
    await running;
    return 0;
  } catch (err) {
    console.error(`\ndealflow dev failed: ${(err as Error).message}`);
    await stopAll();
    return 1;
  }
}
