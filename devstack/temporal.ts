/**
 * The Temporal dev server for `dealflow dev` and the tests (devstack/services.ts): a SQLite file,
 * the custom search attributes registered, started on free ports and stopped cleanly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_TYPES } from '../workflows/search-attributes';
import {
  type ManagedService,
  PermanentError,
  SETUP_HINT,
  canConnect,
  findTemporalCli,
  pollUntil,
  spawnService,
  startOnPort,
} from './processes';

const TEMPORAL_START_TIMEOUT_MS = 90_000;
type SearchAttributeTypeName = 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'Text' | 'KeywordList';

/** The custom search attributes the lead workflow writes; registered on every dev server we start. */
const SEARCH_ATTRIBUTES: Record<string, SearchAttributeTypeName> = SEARCH_ATTRIBUTE_TYPES;

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
  if (!cli)
    throw new Error(
      `temporal CLI not found: ${SETUP_HINT} (or set TEMPORAL_CLI_PATH, or TEMPORAL_ADDRESS to use a running server)`,
    );
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
    ...Object.entries(dynamicConfig).flatMap(([key, value]) => [
      '--dynamic-config-value',
      `${key}=${JSON.stringify(value)}`,
    ]),
    ...Object.entries(opts.sqlitePragmas ?? DEV_SQLITE_PRAGMAS).flatMap(([key, value]) => [
      '--sqlite-pragma',
      `${key}=${value}`,
    ]),
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
      await pollUntil(
        `the temporal dev server to listen on ${address}`,
        left(),
        () => canConnect('127.0.0.1', port),
        child,
      );
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
