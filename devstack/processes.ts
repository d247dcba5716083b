/**
 * Child processes for the dev services (devstack/services.ts): finding binaries, free ports, waiting
 * until a service answers, spawning with a log file and a watchdog so no child outlives its parent,
 * and starting again on a fresh port when the one picked was taken meanwhile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../config/repo-root';

export const SETUP_HINT = 'run bash scripts/setup.sh';
/** How long a child gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** How often a service is started again on a fresh port when the one picked was taken meanwhile. */
const PORT_RACE_ATTEMPTS = 3;
export interface ManagedService {
  name: string;
  /** Where a client points: Temporal's `host:port`, Redis's `redis://…`, the mail catcher's HTTP page. */
  url: string;
  /** Idempotent; resolves once the service is gone. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Finding binaries

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** An explicit env path wins (even if wrong, so the error names it), then the project's .venv, then PATH. */
function findBinary(envVar: string, name: string): string | undefined {
  const explicit = process.env[envVar];
  if (explicit) return explicit;
  const local = path.join(REPO_ROOT, '.venv', 'bin', name);
  return isExecutable(local) ? local : onPath(name);
}

/** Resolve the temporal CLI: env TEMPORAL_CLI_PATH, then <repo>/.venv/bin/temporal, then `temporal` on PATH; undefined if none (callers may then let @temporalio/testing download its own). */
export function findTemporalCli(): string | undefined {
  return findBinary('TEMPORAL_CLI_PATH', 'temporal');
}

/** Resolve redis-server: env REDIS_SERVER_PATH, then PATH, then Debian's /usr/bin and /usr/sbin. */
export function findRedisServer(): string | undefined {
  if (process.env.REDIS_SERVER_PATH) return process.env.REDIS_SERVER_PATH;
  return onPath('redis-server') ?? ['/usr/bin/redis-server', '/usr/sbin/redis-server'].find(isExecutable);
}

// ---------------------------------------------------------------------------------------------
// Ports

const handedOut = new Set<number>();

/** A TCP port on 127.0.0.1 that was free a moment ago; never the same one twice in this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('freePort: the kernel kept handing out ports this process already used');
}

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Resolves once something accepts TCP connections on host:port; rejects after timeoutMs. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  await pollUntil(`${host}:${port} to accept connections`, timeoutMs, () => canConnect(host, port));
}

/** A problem that waiting will not fix. */
export class PermanentError extends Error {}

/**
 * Calls `check` until it returns true. Gives up after timeoutMs, or as soon as `child` exits (a
 * service that died will not become ready) or on a PermanentError. The last error thrown by `check`
 * ends up in the timeout's message.
 */
export async function pollUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  child?: Child,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (child?.hasExited()) throw child.exitError();
    try {
      if (await check()) return;
    } catch (err) {
      if (err instanceof PermanentError) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** On a normal exit (process.exit, end of the event loop) no service is left behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGTERM');
  });
}

/**
 * A `sh` that waits for EOF on a pipe from this process. The kernel closes the pipe however we die
 * (even SIGKILL, which skips 'exit' handlers); the watchdog then sends the service SIGTERM, and
 * SIGKILL if it is still there after the grace period. Stopped normally, the service takes its
 * watchdog down with it.
 */
const WATCHDOG_SCRIPT = `read -r line
kill -0 "$1" 2>/dev/null || exit 0
kill -TERM "$1" 2>/dev/null
i=0
while kill -0 "$1" 2>/dev/null && [ "$i" -lt ${STOP_GRACE_MS / 100} ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL "$1" 2>/dev/null
exit 0`;

function startWatchdog(pid: number): ChildProcess | undefined {
  try {
    const dog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'dealflow-watchdog', String(pid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: false,
    });
    dog.on('error', () => undefined);
    dog.stdin?.on('error', () => undefined);
    (dog.stdin as net.Socket | null)?.unref();
    dog.unref();
    return dog;
  } catch {
    return undefined; // no /bin/sh: the exit hook still covers normal exits
  }
}

export interface Child {
  name: string;
  pid: number;
  logFile: string;
  hasExited(): boolean;
  /** What the child wrote to its log since it was started. */
  output(): string;
  exitError(): Error;
  stop(): Promise<void>;
}

/** Spawns a service with stdout/stderr appended to logFile; resolves once the process exists. */
export async function spawnService(
  name: string,
  command: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv,
): Promise<Child> {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.appendFileSync(logFile, `\n=== ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  const logStart = fs.statSync(logFile).size;
  const fd = fs.openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio: ['ignore', fd, fd], detached: false, env });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (err) {
    throw new Error(`${name}: could not run ${command}: ${(err as Error).message}`, { cause: err });
  } finally {
    fs.closeSync(fd);
  }
  const pid = child.pid as number;
  live.add(child);
  installExitHook();
  const watchdog = startWatchdog(pid);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      watchdog?.kill('SIGKILL');
      resolve();
    });
  });
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;

  const output = () => {
    try {
      const fdr = fs.openSync(logFile, 'r');
      try {
        const size = fs.fstatSync(fdr).size;
        const from = Math.max(logStart, size - 64 * 1024);
        const buf = Buffer.alloc(size - from);
        fs.readSync(fdr, buf, 0, buf.length, from);
        return buf.toString('utf8');
      } finally {
        fs.closeSync(fdr);
      }
    } catch {
      return '';
    }
  };

  let stopping: Promise<void> | undefined;
  return {
    name,
    pid,
    logFile,
    hasExited,
    output,
    exitError() {
      const how = child.signalCode ? `was killed by ${child.signalCode}` : `exited with code ${child.exitCode}`;
      const tail = output().trim().split('\n').slice(-15).join('\n');
      return new Error(`${name} ${how} before it was ready (log: ${logFile})${tail ? `:\n${tail}` : ''}`);
    },
    stop() {
      stopping ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        if (!hasExited()) {
          child.kill('SIGTERM');
          timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        }
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/**
 * Starts a service on `port` (or a free one) and waits until it is ready. A port something already
 * listens on is refused up front (else the readiness check could be answered by that other
 * process). When no port was asked for and the one picked was taken between freePort() and the
 * bind, tries again on another port.
 */
export async function startOnPort<T>(
  name: string,
  fixedPort: number | undefined,
  start: (port: number) => Promise<Child>,
  ready: (child: Child, port: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    if (await canConnect('127.0.0.1', port)) {
      if (fixedPort !== undefined || attempt >= PORT_RACE_ATTEMPTS)
        throw new Error(`${name}: port ${port} on 127.0.0.1 is already in use`);
      continue;
    }
    const child = await start(port);
    try {
      return await ready(child, port);
    } catch (err) {
      await child.stop();
      const portTaken = /address already in use|EADDRINUSE/i.test(child.output());
      if (fixedPort !== undefined || !portTaken || attempt >= PORT_RACE_ATTEMPTS) throw err;
    }
  }
}
