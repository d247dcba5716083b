/** A worker in a child process (`node bin/dealflow.js worker`), so a test can SIGKILL it like a crash. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../../config/env';

const ROOT = path.resolve(__dirname, '../..');

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function spawnWorker(config: Config, extraEnv: Record<string, string> = {}): Promise<WorkerProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
    TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
    REDIS_URL: config.REDIS_URL,
    REDIS_PREFIX: config.REDIS_PREFIX,
    SMTP_URL: config.SMTP_URL,
    PUBLIC_BASE_URL: config.PUBLIC_BASE_URL,
    SIGNING_SECRET: config.SIGNING_SECRET,
    LOG_LEVEL: 'info',
    ...(process.env.DEALFLOW_WORKFLOW_BUNDLE ? { DEALFLOW_WORKFLOW_BUNDLE: process.env.DEALFLOW_WORKFLOW_BUNDLE } : {}),
    ...(config.ENRICHMENT_URL ? { ENRICHMENT_URL: config.ENRICHMENT_URL } : {}),
    ...extraEnv,
  };
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/dealflow.js'), 'worker'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in 60 s:\n${out}`)), 60_000);
    const check = () => {
      if (out.includes('worker started')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before it started:\n${out}`));
    });
  });
  return {
    child,
    output: () => out,
    kill(signal) {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}
