/** Redis for `dealflow dev` and the tests (devstack/services.ts): append-only file, a free port. */
import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import {
  SETUP_HINT,
  type ManagedService,
  PermanentError,
  canConnect,
  findRedisServer,
  pollUntil,
  spawnService,
  startOnPort,
} from './processes';

const REDIS_START_TIMEOUT_MS = 30_000;

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
    if (answering !== String(pid))
      throw new PermanentError(`redis-server: another process (pid ${answering}) answers on ${url}`);
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
      await pollUntil(
        `redis-server to answer PING on ${url}`,
        REDIS_START_TIMEOUT_MS,
        () => redisAnswers(url, port, child.pid),
        child,
      );
      if (child.hasExited()) throw child.exitError();
      return { name: 'redis', url, port, pid: child.pid, stop: child.stop };
    },
  );
}
