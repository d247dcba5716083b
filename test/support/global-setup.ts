/**
 * Jest global setup: the real services every integration test uses — a Temporal dev server
 * (SQLite file, custom search attributes), Redis — plus the workflow bundle, built once.
 * Their addresses reach the tests through environment variables.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startRedis, startTemporalDevServer, type ManagedService } from '../../devstack/services';
import { buildWebAssets, writeWebAssets } from '../../client/api/web-assets';

const ROOT = path.resolve(__dirname, '../..');
export const TEST_DATA = path.join(ROOT, '.test-data');

/** Services of an earlier run that was killed before its teardown (their pids are in .test-data/pids). */
function killLeftovers(): void {
  const file = path.join(TEST_DATA, 'pids');
  if (!fs.existsSync(file)) return;
  for (const pid of fs.readFileSync(file, 'utf8').split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export default async function globalSetup(): Promise<void> {
  killLeftovers();
  fs.rmSync(TEST_DATA, { recursive: true, force: true });
  fs.mkdirSync(TEST_DATA, { recursive: true });
  const services: ManagedService[] = [];
  (globalThis as Record<string, unknown>).__DEALFLOW_SERVICES__ = services;

  const bundlePath = path.join(TEST_DATA, 'workflow-bundle.js');
  const [temporal, redis, bundle] = await Promise.all([
    process.env.TEST_TEMPORAL_ADDRESS
      ? undefined
      : startTemporalDevServer({ dbFile: path.join(TEST_DATA, 'temporal.db'), logDir: TEST_DATA }),
    process.env.TEST_REDIS_URL ? undefined : startRedis({ dataDir: path.join(TEST_DATA, 'redis'), logDir: TEST_DATA }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger() }),
    // the web page, from the current sources (the API serves dist/web/)
    buildWebAssets().then(writeWebAssets),
  ]);
  if (temporal) services.push(temporal);
  if (redis) services.push(redis);
  fs.writeFileSync(path.join(TEST_DATA, 'pids'), [temporal?.pid, redis?.pid].filter(Boolean).join('\n'));
  fs.writeFileSync(bundlePath, bundle.code);
  process.env.TEST_TEMPORAL_ADDRESS ??= temporal!.address;
  process.env.TEST_REDIS_URL ??= redis!.url;
  process.env.DEALFLOW_WORKFLOW_BUNDLE = bundlePath;
}

function quietLogger() {
  const noop = () => undefined;
  return {
    log: noop,
    trace: noop,
    debug: noop,
    info: noop,
    warn: (m: string) => console.warn(m),
    error: (m: string) => console.error(m),
  };
}
