/**
 * Runs `dealflow` CLI commands in-process against a test stack: the stack's Temporal, Redis, prefix
 * and task queue in the environment for the call, console output captured.
 */
import type { Stack } from './stack';

export async function runCli(stack: Stack, args: string[]): Promise<{ code: number; out: string }> {
  const { main } = await import('../../cli/main');
  const env = {
    TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
    REDIS_URL: stack.config.REDIS_URL,
    REDIS_PREFIX: stack.config.REDIS_PREFIX,
    TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
  };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((m: unknown) => void lines.push(String(m)));
  const err = jest.spyOn(console, 'error').mockImplementation((m: unknown) => void lines.push(String(m)));
  try {
    const code = await main(args);
    return { code, out: lines.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
