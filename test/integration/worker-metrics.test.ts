/**
 * The worker's Prometheus exporter (WORKER_METRICS_ADDRESS) in a `dealflow worker` child process:
 * the Temporal SDK's own metrics and the dealflow activity counters are served at /metrics once a
 * lead has run.
 */
import net from 'node:net';
import { KEYS, eventually, startStack, type Stack } from '../support/stack';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(180_000);
let stack: Stack;
let worker: WorkerProcess;
let address: string;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  stack = await startStack({ worker: false });
  address = `127.0.0.1:${await freePort()}`;
  worker = await spawnWorker(stack.config, { WORKER_METRICS_ADDRESS: address });
});
afterAll(async () => {
  await worker?.kill('SIGTERM');
  await stack?.stop();
});

test('Temporal worker metrics and the dealflow counters are exported', async () => {
  expect(
    (
      await stack.call('POST', '/v1/leads', KEYS.admin, {
        id: 'wm-1',
        email: 'wm-1@customer.test',
        owner: 'alice',
        stage: 'preparation',
      })
    ).status,
  ).toBe(201);
  const text = await eventually(
    async () => {
      const t = await (await fetch(`http://${address}/metrics`)).text();
      return /dealflow_lead_facts_writes_total\{[^}]*result="written"[^}]*\} [1-9]/.test(t) &&
        /dealflow_tasks_created_total\{[^}]*kind="research"/.test(t)
        ? t
        : undefined;
    },
    60_000,
    'the worker metrics',
  );
  expect(text).toMatch(/temporal_workflow_task_execution_latency/);
  expect(text).toMatch(/temporal_activity_execution_latency/);
});
