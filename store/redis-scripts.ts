/**
 * Redis Lua scripts as named commands (ioredis `defineCommand`): each script is defined once per
 * connection and sent by its SHA (EVALSHA, falling back to EVAL when Redis does not have it yet), so
 * the script text is not sent with every call. Every script validates all its inputs before its
 * first write (CONTRIBUTING.md); its `INVALID …` replies reach the caller unchanged (scriptRefusal
 * in store/errors.ts).
 */
import type Redis from 'ioredis';

export interface RedisScript {
  /** the command name on the connection (unique per script) */
  readonly name: string;
  /** how many of the arguments are keys (they come first) */
  readonly numberOfKeys: number;
  readonly lua: string;
}

/** Declares a script; `name` must be unique across dealflow. */
export function redisScript(name: string, numberOfKeys: number, lua: string): RedisScript {
  return { name, numberOfKeys, lua };
}

type Commands = Record<string, ((...args: (string | number | Buffer)[]) => Promise<unknown>) | undefined>;

/**
 * Keeps named commands out of ioredis auto-pipelining (our connections enable it): a script sent
 * in an auto-pipeline can come back without a result (`results[i] is not iterable`).
 */
export function notAutoPipelined(redis: Redis, ...names: string[]): void {
  const ignored = redis.options.autoPipeliningIgnoredCommands ?? [];
  const missing = names.filter((n) => !ignored.includes(n));
  // a new array: ioredis may share the default one between connections
  if (missing.length) redis.options.autoPipeliningIgnoredCommands = [...ignored, ...missing];
}

/** Runs `script` on `redis` with its keys then its arguments; defines the command on first use. */
export function runScript(
  redis: Redis,
  script: RedisScript,
  ...keysAndArgs: (string | number | Buffer)[]
): Promise<unknown> {
  const commands = redis as unknown as Commands;
  if (typeof commands[script.name] !== 'function') {
    notAutoPipelined(redis, script.name);
    redis.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
  }
  return commands[script.name]!(...keysAndArgs);
}
