/**
 * What every `dealflow` command shares (README "With the CLI"): the flag parsers that turn a bad
 * value into a usage error naming the flag (exit 2), the runtime a command opens and always closes,
 * the actor of `--as`, and the plain-text table.
 *
 * Exit codes: 0 done; 1 the command ran and failed or was refused (the reason printed); 2 a usage
 * error — a bad flag, argument or configuration, or input the service refused field by field.
 */
import os from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, type Config } from '../config/env';
import { ValidationError } from '../store/request-errors';
import { createClientRuntime, type ClientRuntime } from '../client/runtime';

export const EXIT_OK = 0;
export const EXIT_USAGE = 2;

/** Where commander writes help and usage errors; tests capture it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** An action's exit code; the program keeps the last one (one action runs per parse). */
export type CommandResult = Promise<number>;

/**
 * Wraps an action so its exit code reaches `main`. Input the service refuses field by field (a
 * ValidationError: thresholds, rates, a lead's fields, a report's period) prints each field and
 * exits 2; anything else propagates (printed by bin/dealflow.js, exit 1).
 */
export function runner(state: { code: number }) {
  return <A extends unknown[]>(fn: (...args: A) => CommandResult) =>
    async (...args: A): Promise<void> => {
      try {
        state.code = await fn(...args);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        console.error(e.message);
        for (const d of e.details) console.error(`  ${d.path}: ${d.message}`);
        state.code = EXIT_USAGE;
      }
    };
}

// ---------------------------------------------------------------------------------------------
// Flag and argument parsers: each throws InvalidArgumentError, which commander reports with the
// flag's name ("error: option '--leads <n>' argument 'x' is invalid. …") and main turns into exit 2.

/** A whole number ≥ 0 (`--leads`, `--idle`, `--concurrency`). */
export function wholeNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError('Must be a whole number ≥ 0.');
  return n;
}

/** A finite number (`--value`, `--amount`); the service checks its range. */
export function finiteNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('Must be a number.');
  return n;
}

/** A TCP port 0–65535 (`dealflow dev --temporal-port …`). */
export function port(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('Must be a port number from 0 to 65535.');
  return n;
}

/** `true` or `false`, nothing else (`--auto-reassign`). */
export function trueOrFalse(v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new InvalidArgumentError('Must be true or false.');
}

/** A comma-separated list of numbers (`--multipliers 1,2,4`); the service checks count and order. */
export function numberList(v: string): number[] {
  const parts = v.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '' || !Number.isFinite(Number(p))))
    throw new InvalidArgumentError('Must be numbers separated by commas, e.g. 1,2,4.');
  return parts.map(Number);
}

/**
 * A variadic `KEY=VALUE` argument (`thresholds set approach=5d`, `rates set EUR=1.08`), collected
 * into a record in order; `example` is shown when one is malformed.
 */
export function keyValues(key: RegExp, example: string) {
  return (v: string, previous: Record<string, string> | undefined): Record<string, string> => {
    const at = v.indexOf('=');
    if (at <= 0 || !key.test(v.slice(0, at))) throw new InvalidArgumentError(`"${v}" is not ${example}.`);
    return { ...previous, [v.slice(0, at)]: v.slice(at + 1) };
  };
}

// ---------------------------------------------------------------------------------------------

/** The configuration from the environment (docs/CONFIG.md); a ConfigError reaches main (exit 2). */
export const config = (): Config => loadConfig();

/** `--as NAME`, else `cli:<os user>`: the actor written to a lead's history and the audit logs. */
export const actorOf = (as: string | undefined): string => as ?? `cli:${os.userInfo().username}`;

/** Runs `fn` with a client runtime (Temporal, Redis, roster), closed whatever happens. */
export async function withRuntime(fn: (rt: ClientRuntime) => CommandResult): CommandResult {
  const rt = await createClientRuntime(config(), { followRoster: false });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** The reports and exchange rates over a runtime's Redis (loaded lazily: only the commands that need it). */
export function metricsOf(rt: ClientRuntime) {
  const { MetricsService } = require('../client/metrics/service') as typeof import('../client/metrics/service');
  return new MetricsService(rt.redis, rt.config.REDIS_PREFIX);
}

/** Adds `--as NAME` to a command that changes something. */
export const withActor = (cmd: Command): Command =>
  cmd.option('--as <name>', 'the actor recorded in the history and audit log (default cli:<os user>)');

export function table(rows: Record<string, unknown>[], cols: string[]): string {
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    line(cols),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(cols.map((c) => String(r[c] ?? '')))),
  ].join('\n');
}
