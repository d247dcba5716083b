/**
 * The local services behind `dealflow dev` and the test suite's global setup: a Temporal dev
 * server (SQLite file), Redis (append-only file) and an SMTP catcher. Each starts on 127.0.0.1,
 * waits until it really answers, and stops cleanly; no child outlives the process that started it.
 *
 * Temporal and Redis run as child processes whose output is appended to a log file; the mail
 * catcher runs in-process. Binaries come from the project's `.venv` (see scripts/setup.sh) or PATH.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import Redis from 'ioredis';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';
import { REPO_ROOT } from '../../config/repo-root';

const SETUP_HINT = 'run bash scripts/setup.sh';

/** How long a child gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 5_000;
const TEMPORAL_START_TIMEOUT_MS = 90_000;
const REDIS_START_TIMEOUT_MS = 30_000;
/** How often a service is started again on a fresh port when the one picked was taken meanwhile. */
const PORT_RACE_ATTEMPTS = 3;
const MAIL_CAP = 10_000;
const MAIL_MAX_BYTES = 25 * 1024 * 1024;

export interface ManagedService {
  name: string;
  /** Where a client points: Temporal's `host:port`, Redis's `redis://…`, the mail catcher's HTTP page. */
  url: string;
  /** Idempotent; resolves once the service is gone. */
  stop(): Promise<void>;
}

type SearchAttributeTypeName = 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'Text' | 'KeywordList';

/** The custom search attributes the lead workflow writes; registered on every dev server we start. */
const SEARCH_ATTRIBUTES: Record<string, SearchAttributeTypeName> = SEARCH_ATTRIBUTE_TYPES;

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
function findRedisServer(): string | undefined {
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

function canConnect(host: string, port: number): Promise<boolean> {
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
class PermanentError extends Error {}

/**
 * Calls `check` until it returns true. Gives up after timeoutMs, or as soon as `child` exits (a
 * service that died will not become ready) or on a PermanentError. The last error thrown by `check`
 * ends up in the timeout's message.
 */
async function pollUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, child?: Child): Promise<void> {
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

interface Child {
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
async function spawnService(name: string, command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv): Promise<Child> {
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
async function startOnPort<T>(
  name: string,
  fixedPort: number | undefined,
  start: (port: number) => Promise<Child>,
  ready: (child: Child, port: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    if (await canConnect('127.0.0.1', port)) {
      if (fixedPort !== undefined || attempt >= PORT_RACE_ATTEMPTS) throw new Error(`${name}: port ${port} on 127.0.0.1 is already in use`);
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

// ---------------------------------------------------------------------------------------------
// Temporal

const INDEXED_VALUE_TYPES: Record<SearchAttributeTypeName, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};

/** The Temporal CLI reads TEMPORAL_* variables (address, TLS, profile); the server it starts must not. */
function envWithoutTemporal(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
}

/**
 * SQLite settings of the dev server. Every workflow task, timer and activity the server records is
 * a SQLite transaction; with SQLite's defaults (a rollback journal, `synchronous=FULL`) each one
 * waits for fsyncs of the journal and the database. In WAL mode with `synchronous=NORMAL` a commit
 * is an append to the log, synced at checkpoints: a crash of any process loses nothing, a power cut
 * may lose the last moments — fine for a development server. In `dealflow bench` it made raw
 * Temporal 1.8× and workflow starts 2.3× faster (BENCHMARKS.md). `journal_mode` is stored in the
 * file, so a reused database switches too.
 */
const DEV_SQLITE_PRAGMAS: Readonly<Record<string, string>> = { journal_mode: 'wal', synchronous: 'normal' };

/**
 * Makes sure every SEARCH_ATTRIBUTES entry is registered in `default`. `start-dev --search-attribute`
 * registers them only when it creates the SQLite file, so one added to the code later is added here.
 */
async function ensureSearchAttributes(connection: Connection, dbFile: string): Promise<boolean> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
  const missing: Record<string, number> = {};
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    const have = customAttributes?.[name];
    if (have === undefined || have === null) missing[name] = INDEXED_VALUE_TYPES[type];
    else if (have !== INDEXED_VALUE_TYPES[type]) {
      throw new PermanentError(
        `search attribute ${name} is registered with another type than ${type} in ${dbFile}; ` +
          'delete that file (its workflows go with it) or rename the attribute',
      );
    }
  }
  if (Object.keys(missing).length === 0) return true;
  await connection.operatorService.addSearchAttributes({ namespace: 'default', searchAttributes: missing });
  return false;
}

/** Start `temporal server start-dev` with --db-filename <dbFile> (dir created), --ip 127.0.0.1, --port, --ui-port (optional; headless when not given: pass --headless), --namespace default, --log-level warn, one `--search-attribute Name=Type` per SEARCH_ATTRIBUTES entry, plus `--dynamic-config-value k=v` for each entry of opts.dynamicConfig (values JSON-encoded as the CLI expects, e.g. limit.historyCount.suggestContinueAsNew=50) and the dynamic config `frontend.enableUpdateWorkflowExecution=true` and `frontend.enableUpdateWorkflowExecutionAsyncAccepted=true` is harmless; waits until the gRPC port accepts connections AND a @temporalio/client Connection can call `workflowService.getSystemInfo({})`... and the namespace is usable (poll `client.workflowService.describeNamespace({namespace:'default'})`); child process stdout/stderr appended to a log file <logDir>/temporal.log; stop() sends SIGTERM, then SIGKILL after 5s; the child must die if the parent dies (spawn with detached:false; also register process 'exit' handler that kills it).
 *
 * Values of opts.dynamicConfig are sent as JSON: pass numbers and booleans as such (a string is sent
 * as a JSON string). Missing custom search attributes are also added on a reused database file.
 */
export async function startTemporalDevServer(opts: {
  dbFile: string;
  port?: number;
  uiPort?: number;
  logDir: string;
  dynamicConfig?: Record<string, string | number | boolean>;
  /** `--sqlite-pragma` values; default DEV_SQLITE_PRAGMAS */
  sqlitePragmas?: Record<string, string>;
}): Promise<ManagedService & { address: string; uiUrl?: string; pid: number }> {
  const cli = findTemporalCli();
  if (!cli) throw new Error(`temporal CLI not found: ${SETUP_HINT} (or set TEMPORAL_CLI_PATH, or TEMPORAL_ADDRESS to use a running server)`);
  const dbFile = path.resolve(opts.dbFile);
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  const logFile = path.join(path.resolve(opts.logDir), 'temporal.log');
  const dynamicConfig: Record<string, string | number | boolean> = {
    'frontend.enableUpdateWorkflowExecution': true,
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted': true,
    ...opts.dynamicConfig,
  };
  const fixedArgs = [
    ...(opts.uiPort !== undefined ? ['--ui-port', String(opts.uiPort)] : ['--headless']),
    ...['--namespace', 'default', '--log-level', 'warn'],
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ...Object.entries(dynamicConfig).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
    ...Object.entries(opts.sqlitePragmas ?? DEV_SQLITE_PRAGMAS).flatMap(([key, value]) => ['--sqlite-pragma', `${key}=${value}`]),
  ];

  return startOnPort(
    'temporal dev server',
    opts.port,
    (port) =>
      spawnService(
        'temporal dev server',
        cli,
        ['server', 'start-dev', '--db-filename', dbFile, '--ip', '127.0.0.1', '--port', String(port), ...fixedArgs],
        logFile,
        envWithoutTemporal(),
      ),
    async (child, port) => {
      const address = `127.0.0.1:${port}`;
      const deadline = Date.now() + TEMPORAL_START_TIMEOUT_MS;
      const left = () => Math.max(deadline - Date.now(), 1);
      await pollUntil(`the temporal dev server to listen on ${address}`, left(), () => canConnect('127.0.0.1', port), child);
      let connection: Connection | undefined;
      try {
        await pollUntil(
          `the temporal dev server at ${address} to serve the default namespace`,
          left(),
          async () => {
            connection ??= await Connection.connect({ address, connectTimeout: '5s' });
            const conn = connection;
            return conn.withDeadline(Date.now() + 5_000, async () => {
              await conn.workflowService.getSystemInfo({});
              await conn.workflowService.describeNamespace({ namespace: 'default' });
              return ensureSearchAttributes(conn, dbFile);
            });
          },
          child,
        );
      } finally {
        await connection?.close();
      }
      if (child.hasExited()) throw child.exitError(); // another server answered on that port
      return {
        name: 'temporal',
        url: address,
        address,
        uiUrl: opts.uiPort !== undefined ? `http://127.0.0.1:${opts.uiPort}` : undefined,
        pid: child.pid,
        stop: child.stop,
      };
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Redis

/** True once the redis on `port` answers PING and is process `pid` (not some other redis). */
async function redisAnswers(url: string, port: number, pid: number): Promise<boolean> {
  // Only knock when the port is open: ioredis's disconnect() after a refused connection leaves a
  // 2 s timer that keeps the process (and jest) alive.
  if (!(await canConnect('127.0.0.1', port))) return false;
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    connectTimeout: 1_000,
    disconnectTimeout: 200,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    if ((await client.ping()) !== 'PONG') return false;
    const answering = /^process_id:(\d+)/m.exec(await client.info('server'))?.[1];
    if (answering !== String(pid)) throw new PermanentError(`redis-server: another process (pid ${answering}) answers on ${url}`);
    return true;
  } finally {
    if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
    else if (client.status !== 'end') client.disconnect();
  }
}

/** Start redis-server on 127.0.0.1:<port> with --dir <dataDir> --appendonly yes --save "" --protected-mode yes --daemonize no; wait for PING (use ioredis `new Redis(url, {lazyConnect:true, maxRetriesPerRequest: 1})`, connect, ping, quit). */
export async function startRedis(opts: {
  dataDir: string;
  port?: number;
  logDir: string;
}): Promise<ManagedService & { port: number; pid: number }> {
  const bin = findRedisServer();
  if (!bin) throw new Error(`redis-server not found: ${SETUP_HINT} (or set REDIS_URL to use a running Redis)`);
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(path.resolve(opts.logDir), 'redis.log');
  return startOnPort(
    'redis-server',
    opts.port,
    (port) =>
      spawnService(
        'redis-server',
        bin,
        [
          ...['--bind', '127.0.0.1', '--port', String(port), '--dir', dataDir],
          ...['--appendonly', 'yes', '--save', '', '--protected-mode', 'yes', '--daemonize', 'no'],
        ],
        logFile,
        process.env,
      ),
    async (child, port) => {
      const url = `redis://127.0.0.1:${port}`;
      await pollUntil(`redis-server to answer PING on ${url}`, REDIS_START_TIMEOUT_MS, () => redisAnswers(url, port, child.pid), child);
      if (child.hasExited()) throw child.exitError();
      return { name: 'redis', url, port, pid: child.pid, stop: child.stop };
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Mail catcher

export interface CaughtMessage {
  id: string;
  messageId?: string;
  from: string;
  to: string[];
  subject: string;
  /** ISO-8601 UTC, from the Date header. */
  date?: string;
  /** Lower-case names; raw (undecoded, unfolded) values; a repeated header's values joined with "\n". */
  headers: Record<string, string>;
  text: string;
  html: string;
  raw: string;
  envelope: { from: string; to: string[] };
}

export type MailCatcher = ManagedService & {
  smtpUrl: string;
  httpUrl: string;
  smtpPort: number;
  messages(): CaughtMessage[];
  clear(): void;
  waitFor(pred: (m: CaughtMessage[]) => boolean, timeoutMs?: number): Promise<CaughtMessage[]>;
};

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const out: string[] = [];
  const walk = (list: AddressObject['value']) => {
    for (const a of list) {
      if (a.address) out.push(a.address);
      if (a.group) walk(a.group);
    }
  };
  for (const obj of Array.isArray(field) ? field : field ? [field] : []) walk(obj.value);
  return out;
}

function toCaught(id: string, parsed: ParsedMail, raw: string, session: SMTPServerSession): CaughtMessage {
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) {
    const value = line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    headers[key] = key in headers ? `${headers[key]}\n${value}` : value;
  }
  const envelope = {
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    to: session.envelope.rcptTo.map((r) => r.address),
  };
  const to = addresses(parsed.to);
  const date = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : undefined;
  return {
    id,
    messageId: parsed.messageId,
    from: parsed.from?.text ?? envelope.from,
    to: to.length > 0 ? to : envelope.to,
    subject: parsed.subject ?? '',
    date,
    headers,
    text: parsed.text ?? '',
    html: parsed.html || '',
    raw,
    envelope,
  };
}

function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function messagesPage(list: CaughtMessage[]): string {
  const rows = list
    .slice()
    .reverse()
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.date ?? '')}</td><td>${escapeHtml(m.from)}</td><td>${escapeHtml(m.to.join(', '))}</td>` +
        `<td><details><summary>${escapeHtml(m.subject)}</summary><pre>${escapeHtml(m.text)}</pre></details></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>dealflow mail catcher</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}td,th{text-align:left;padding:.3em .6em;vertical-align:top;border-bottom:1px solid #ddd}pre{white-space:pre-wrap}</style>
</head><body><h1>Caught mail (${list.length})</h1>
<p>JSON: <a href="/messages">/messages</a> &middot; <code>DELETE /messages</code> clears</p>
<table><tr><th>date</th><th>from</th><th>to</th><th>subject</th></tr>
${rows}
</table></body></html>`;
}

function publicShape(m: CaughtMessage) {
  const { id, messageId, from, to, subject, date, headers, text, html, envelope } = m;
  return { id, messageId, from, to, subject, date, headers, text, html, envelope };
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** A local SMTP catcher: smtp-server (no auth, no TLS: authOptional:true, disabledCommands:['STARTTLS']) on 127.0.0.1:<port> that parses each message with mailparser's simpleParser and keeps them in memory (cap 10,000, oldest dropped); plus a tiny HTTP server (node:http) on httpPort: GET /messages → JSON array of {id, messageId, from, to, subject, date, headers: Record<string,string> (lower-case names, raw header values), text, html}, DELETE /messages clears, GET / → a minimal HTML list (escape every value!). The returned object also exposes messages() for in-process use, clear(), and waitFor(pred, timeoutMs) resolving with the matching messages array when pred(messages) is true.
 *
 * Ports default to ones the kernel picks (no race). Credentials, if a client sends any, are accepted.
 * The JSON also carries each message's SMTP `envelope` (useful for Bcc). waitFor's timeout defaults to 10 s.
 */
export async function startMailCatcher(opts: {
  smtpPort?: number;
  httpPort?: number;
  /** called with every message as it is caught (the benchmark counts and times them this way) */
  onMessage?: (m: CaughtMessage) => void;
}): Promise<MailCatcher> {
  const caught: CaughtMessage[] = [];
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  let seq = 0;

  const smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: MAIL_MAX_BYTES,
    closeTimeout: 1_000,
    banner: 'dealflow mail catcher',
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anyone' });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(Object.assign(new Error(`message exceeds ${MAIL_MAX_BYTES} bytes`), { responseCode: 552 }));
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            const message = toCaught(String(++seq), parsed, raw.toString('utf8'), session);
            caught.push(message);
            if (caught.length > MAIL_CAP) caught.splice(0, caught.length - MAIL_CAP);
            callback();
            opts.onMessage?.(message);
            changes.emit('change');
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  smtp.on('error', () => undefined); // a client's broken connection is not ours to crash on

  const web = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/messages' && req.method === 'GET') {
      send(200, 'application/json; charset=utf-8', JSON.stringify(caught.map(publicShape)));
    } else if (url.pathname === '/messages' && req.method === 'DELETE') {
      clear();
      res.writeHead(204).end();
    } else if (url.pathname === '/' && req.method === 'GET') {
      send(200, 'text/html; charset=utf-8', messagesPage(caught));
    } else {
      send(404, 'application/json; charset=utf-8', JSON.stringify({ error: { code: 'not_found', message: 'GET /, GET /messages, DELETE /messages' } }));
    }
  });

  const clear = () => {
    caught.length = 0;
    changes.emit('change');
  };

  let smtpPort: number;
  let httpPort: number;
  try {
    smtpPort = await listen(smtp.server, opts.smtpPort ?? 0);
    httpPort = await listen(web, opts.httpPort ?? 0);
  } catch (err) {
    smtp.close(() => undefined);
    web.close();
    throw new Error(`mail catcher: could not listen: ${(err as Error).message}`, { cause: err });
  }
  const httpUrl = `http://127.0.0.1:${httpPort}`;

  let stopping: Promise<void> | undefined;
  return {
    name: 'mail',
    url: httpUrl,
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    httpUrl,
    smtpPort,
    messages: () => caught.slice(),
    clear,
    waitFor(pred, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const finish = (fn: () => void) => {
          clearTimeout(timer);
          changes.off('change', check);
          fn();
        };
        function check() {
          const snapshot = caught.slice();
          try {
            if (pred(snapshot)) finish(() => resolve(snapshot));
          } catch (err) {
            finish(() => reject(err));
          }
        }
        const timer = setTimeout(() => {
          const subjects = caught.slice(-5).map((m) => JSON.stringify(m.subject)).join(', ');
          finish(() =>
            reject(new Error(`mail catcher: condition not met within ${timeoutMs} ms; ${caught.length} message(s) caught${subjects ? `, the last: ${subjects}` : ''}`)),
          );
        }, timeoutMs);
        changes.on('change', check);
        check();
      });
    },
    stop() {
      stopping ??= Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        new Promise<void>((resolve) => {
          web.close(() => resolve());
          web.closeAllConnections();
        }),
      ]).then(() => undefined);
      return stopping;
    },
  };
}
