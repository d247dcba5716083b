/**
 * `dealflow dev | api | worker` after a failed start: the process prints the reason and exits
 * non-zero by itself, having closed what it opened — bin/dealflow.js's last-resort exit (which says
 * "a handle was left open") must not be what ends it. Real processes against the suite's Temporal
 * dev server and Redis.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

jest.setTimeout(180_000);
const ROOT = path.resolve(__dirname, '../..');
const LEFT_OPEN = 'a handle was left open';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/dealflow.js ARGS` with only `env` (plus PATH and HOME); a process still running after 120 s is killed (and fails the test). */
function dealflow(args: string[], env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/dealflow.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The suite's Temporal and Redis, on a task queue and prefix of this file's own. */
const services = (): Record<string, string> => ({
  TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS!,
  REDIS_URL: process.env.TEST_REDIS_URL!,
  TEMPORAL_TASK_QUEUE: 'cli-startup',
  REDIS_PREFIX: 'cli-startup:',
  SMTP_URL: 'smtp://127.0.0.1:1',
  ...(process.env.DEALFLOW_WORKFLOW_BUNDLE ? { DEALFLOW_WORKFLOW_BUNDLE: process.env.DEALFLOW_WORKFLOW_BUNDLE } : {}),
});

let taken: net.Server;
let takenPort: number;
beforeAll(async () => {
  taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  takenPort = (taken.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

test('dealflow api: HTTP_PORT already taken → the reason, exit 1, nothing left open', async () => {
  const r = await dealflow(['api'], { ...services(), HTTP_PORT: String(takenPort) });
  expect(r.signal).toBeNull();
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/EADDRINUSE|address already in use/);
  expect(r.stderr).not.toContain(LEFT_OPEN);
});

test('dealflow api: a roster file that does not exist → the reason, exit 1, nothing left open', async () => {
  const r = await dealflow(['api'], { ...services(), HTTP_PORT: '0', ROSTER_FILE: '/nonexistent/roster.json' });
  expect(r.signal).toBeNull();
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('/nonexistent/roster.json');
  expect(r.stderr).not.toContain(LEFT_OPEN);
});

test('dealflow dev: an invalid configuration → every bad variable, exit 2, no service started', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-dev-'));
  try {
    const r = await dealflow(['dev', '--data-dir', dir], { PUBLIC_BASE_URL: 'notaurl', SMTP_RATE_PER_SECOND: '-3' });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid configuration');
    expect(r.stderr).toContain('PUBLIC_BASE_URL: Invalid URL');
    expect(r.stderr).toContain('SMTP_RATE_PER_SECOND');
    expect(r.stdout).not.toContain('starting');
    expect(fs.readdirSync(dir)).toEqual([]); // no Temporal database, no Redis data
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('dealflow dev: the API port taken after the worker started → the reason, exit 1, worker and runtime closed', async () => {
  const r = await dealflow(['dev'], { ...services(), HTTP_PORT: String(takenPort) });
  expect(r.signal).toBeNull();
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/dealflow dev failed: .*(EADDRINUSE|address already in use)/);
  expect(r.stderr).not.toContain(LEFT_OPEN);
});

test('dealflow worker: a roster file that does not exist → the reason, exit 1, nothing left open', async () => {
  const r = await dealflow(['worker'], { ...services(), ROSTER_FILE: '/nonexistent/roster.json' });
  expect(r.signal).toBeNull();
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('/nonexistent/roster.json');
  expect(r.stderr).not.toContain(LEFT_OPEN);
});
