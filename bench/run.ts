/**
 * Longer than our ~400-line guide on purpose: a tool's runner (stack set-up, scenarios, report), not product code.
 *
 * `dealflow bench` (issue #7): dealflow's throughput, latency and memory against raw Temporal on the
 * same server, in one run.
 *
 * 1. Starts a local stack like `dealflow dev` (Temporal dev server, Redis, SMTP catcher in a temp
 *    dir; a configured TEMPORAL_ADDRESS / REDIS_URL is used instead), the real worker in a child
 *    process (bench/worker-child.ts, so its memory is measured alone) and the real API in-process.
 * 2. Compresses durations through the versioned configs (bench/plan.ts) and drives `--leads` leads,
 *    `--concurrency` at a time, through every stage with the API's move and win calls, waiting after
 *    each step for what its automations must do: tasks (seen on the Redis task stream), emails (seen
 *    at the SMTP catcher), a stall with two escalation levels, the follow-up. It times each entry
 *    task from the move's response until the task is in the store.
 * 3. The baseline: a minimal workflow with the same updates, timers and activities per lead (derived
 *    from a benchmarked lead's history), whose activities do nothing, on the same server and worker
 *    settings, driven the same way. ratio = dealflow leads/s ÷ baseline leads/s.
 * 4. Enrols `--idle` leads with a bare loop of `client.workflow.start` and leaves them idle on
 *    their stall timers: the worker's RSS and heap per open lead. Then enrols as many again through
 *    the product's bulk enrolment (client/bulk.ts), for the enrolment comparison.
 *
 * Progress goes to stderr. With --json the last line of stdout is one JSON object.
 */
import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { BenchOptions } from '../cli/commands/bench';
import { inParallel } from '../store/in-parallel';
import { CountProgress } from '../client/progress';
import type Redis from 'ioredis';
import { loadConfig, type Config } from '../config/env';
import {
  startMailCatcher,
  startRedis,
  startTemporalDevServer,
  type ManagedService,
  type MailCatcher,
} from '../devstack/services';
import { createClientRuntime, type ClientRuntime } from '../client/runtime';
import { buildApi } from '../client/api/server';
import { changeThresholds } from '../client/thresholds';
import { BulkEnrolment, readJsonArray } from '../client/bulk';
import { cadencesStore } from '../store/config/cadences-store';
import { followUpStore } from '../store/config/follow-up-store';
import { parseMessageId } from '../store/email/mailer';
import type { LeadInput } from '../workflows/types';
import type { BaselinePhase } from './baseline.workflow';
import {
  BENCH_CADENCE,
  BENCH_ENV,
  BENCH_FOLLOW_UP,
  BENCH_THRESHOLDS,
  EMAILS_PER_LEAD,
  MOVES_PER_LEAD,
  STEPS,
  TASKS_PER_LEAD,
  baselinePlan,
  normaliseStep,
} from './plan';
import type { ReadyMessage, StatsMessage } from './worker-child';

const ADMIN_KEY = 'bench-admin-key';
const WAIT_MS = 600_000;

// ---------------------------------------------------------------------------------------------
// Small helpers

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const load = () => os.loadavg().map((x) => round(x, 2));

/** Runs fn over 0..n-1, `concurrency` at a time (store/in-parallel.ts). */
function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  return inParallel(
    Array.from({ length: n }, (_, i) => i),
    concurrency,
    fn,
  );
}

/** Things that happened, by key (`<lead>|task:<kind>`, `<lead>|email:<step>`), with when; and waiters for them. */
class Events {
  private readonly seen = new Map<string, number>();
  private readonly waiters = new Map<string, ((at: number) => void)[]>();
  tasks = 0;
  emails = 0;

  hit(key: string, at = performance.now()): void {
    if (this.seen.has(key)) return;
    this.seen.set(key, at);
    const ws = this.waiters.get(key);
    if (ws) {
      this.waiters.delete(key);
      for (const w of ws) w(at);
    }
  }

  wait(key: string, timeoutMs = WAIT_MS): Promise<number> {
    const at = this.seen.get(key);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const ws = this.waiters.get(key) ?? [];
        this.waiters.set(
          key,
          ws.filter((w) => w !== done),
        );
        reject(new Error(`waited ${timeoutMs / 1000}s in vain for ${key}`));
      }, timeoutMs);
      const done = (t: number) => {
        clearTimeout(timer);
        resolve(t);
      };
      const ws = this.waiters.get(key) ?? [];
      ws.push(done);
      this.waiters.set(key, ws);
    });
  }

  forget(leadId: string): void {
    for (const k of this.seen.keys()) if (k.startsWith(`${leadId}|`)) this.seen.delete(k);
  }
}

/** Reads the task stream from the start and reports every created task. */
function readTaskStream(redis: Redis, key: string, events: Events): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    let last = '0';
    while (!stopped) {
      const res: [string, [string, string[]][]][] | null = await redis
        .xread('COUNT', 1000, 'BLOCK', 500, 'STREAMS', key, last)
        .catch(() => null);
      if (!res) continue;
      const at = performance.now();
      for (const [, entries] of res) {
        for (const [id, fields] of entries) {
          last = id;
          const f: Record<string, string> = {};
          for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1];
          if (f.type !== 'task.created' || !f.task) continue;
          const task = JSON.parse(f.task) as { leadId: string; kind: string };
          events.tasks++;
          events.hit(`${task.leadId}|task:${task.kind}`, at);
        }
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The worker process

interface WorkerChild {
  child: ChildProcess;
  options: Record<string, unknown>;
  stats(gc?: boolean): Promise<StatsMessage>;
  stop(): Promise<void>;
  logFile: string;
}

async function startWorkerChild(
  config: Config,
  rawQueue: string,
  dir: string,
  opts: { cpuProf: boolean; workerOptions?: string },
): Promise<WorkerChild> {
  const logFile = path.join(dir, 'worker.log');
  const fd = fs.openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
    TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
    REDIS_URL: config.REDIS_URL,
    REDIS_PREFIX: config.REDIS_PREFIX,
    SMTP_URL: config.SMTP_URL,
    SMTP_RATE_PER_SECOND: String(config.SMTP_RATE_PER_SECOND),
    LOG_LEVEL: config.LOG_LEVEL,
    API_KEYS: '',
    BENCH_RAW_TASK_QUEUE: rawQueue,
    ...(opts.workerOptions ? { BENCH_WORKER_OPTIONS: opts.workerOptions } : {}),
  };
  // From the sources the child runs worker-child.ts through tsx; compiled (dist/bench/), its .js.
  const compiled = __filename.endsWith('.js');
  const execArgv = [...(compiled ? [] : ['--require', require.resolve('tsx/cjs')]), '--expose-gc'];
  if (opts.cpuProf) execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.join(dir, 'cpu-prof')}`);
  const child = fork(path.join(__dirname, compiled ? 'worker-child.js' : 'worker-child.ts'), [], {
    env,
    execArgv,
    stdio: ['ignore', fd, fd, 'ipc'],
  });
  fs.closeSync(fd);
  const tail = () => fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
  const ready = await new Promise<ReadyMessage>((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`the worker process exited (${code}) before it was ready:\n${tail()}`));
    child.once('exit', onExit);
    child.on('message', (m: { type: string; message?: string }) => {
      if (m.type === 'ready') {
        child.off('exit', onExit);
        resolve(m as ReadyMessage);
      } else if (m.type === 'failed') reject(new Error(`the worker process failed: ${m.message}`));
    });
  });
  let queue = Promise.resolve() as Promise<unknown>;
  const stats = (gc = false) => {
    const p = queue.then(
      () =>
        new Promise<StatsMessage>((resolve, reject) => {
          const onMessage = (m: { type: string }) => {
            if (m.type !== 'stats') return;
            child.off('message', onMessage);
            child.off('exit', onExit);
            resolve(m as StatsMessage);
          };
          const onExit = () => reject(new Error(`the worker process died:\n${tail()}`));
          child.on('message', onMessage);
          child.once('exit', onExit);
          child.send({ type: 'stats', gc });
        }),
    );
    queue = p.catch(() => undefined);
    return p;
  };
  return {
    child,
    options: ready.options,
    logFile,
    stats,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The run

export interface BenchResult {
  leads: number;
  completed: number;
  failed: number;
  concurrency: number;
  seconds: number;
  leadsPerSecond: number;
  stageMovesPerSecond: number;
  activitiesPerSecond: number;
  emailsPerSecond: number;
  tasksPerSecond: number;
  baselinePerSecond: number;
  baselineSeconds: number;
  baselineActivitiesPerSecond: number;
  ratio: number;
  taskLatencyMs: { p50: number; p95: number; p99: number; samples: number };
  rssPerOpenLeadKb: number | null;
  heapPerOpenLeadKb: number | null;
  idle: {
    leads: number;
    rssBeforeMb: number;
    rssAfterMb: number;
    heapBeforeMb: number;
    heapAfterMb: number;
    cachedWorkflows: number;
  } | null;
  enrol: {
    bareLoop: { leads: number; seconds: number; perSecond: number } | null;
    bulk: { leads: number; seconds: number; perSecond: number; ratePerSecond: number } | null;
  };
  counts: {
    emails: number;
    expectedEmails: number;
    tasks: number;
    expectedTasks: number;
    moves: number;
    activities: number;
    baselineActivities: number;
    apiListedTasks: number;
  };
  perLead: { updates: number; activities: number; timers: number; emails: number; tasks: number };
  worker: Record<string, unknown>;
  machine: { cpus: number; memoryGb: number; node: string; loadAtStart: number[]; loadAtEnd: number[] };
  errors: string[];
  cpuProfileDir?: string;
}

/** @public the CLI loads it lazily with require() (eslint.config.mjs), which knip does not follow */
export async function runBench(opts: BenchOptions): Promise<number> {
  const N = opts.leads;
  const IDLE = opts.idle;
  const CONC = Math.max(1, opts.concurrency);

  const log = (m: string) => process.stderr.write(`${m}\n`);
  const loadAtStart = load();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-bench-'));
  const services: ManagedService[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const errors: string[] = [];
  const noteError = (e: unknown) => {
    const message = (e as Error).message ?? String(e);
    if (errors.length < 10) {
      errors.push(message);
      log(`error: ${message}`);
    }
  };
  let keepDir = false;

  try {
    // ---- the stack ----
    const events = new Events();
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    let redisUrl = process.env.REDIS_URL;
    if (!temporalAddress || !redisUrl)
      log(
        `starting ${[!temporalAddress && 'Temporal dev server', !redisUrl && 'Redis'].filter(Boolean).join(' and ')} in ${dir}…`,
      );
    const [t, r] = await Promise.all([
      temporalAddress ? undefined : startTemporalDevServer({ dbFile: path.join(dir, 'temporal.db'), logDir: dir }),
      redisUrl ? undefined : startRedis({ dataDir: path.join(dir, 'redis'), logDir: dir }),
    ]);
    if (t) services.push(t);
    if (r) services.push(r);
    temporalAddress ??= t!.address;
    redisUrl ??= r!.url;
    const mail: MailCatcher = await startMailCatcher({
      onMessage(m) {
        const id = m.messageId ?? m.headers['message-id'] ?? '';
        const parsed = parseMessageId(id);
        events.emails++;
        if (parsed) events.hit(`${parsed.leadId}|email:${normaliseStep(parsed.step)}`);
      },
    });
    services.push(mail);

    const runId = crypto.randomBytes(3).toString('hex');
    const config = loadConfig({
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress,
      REDIS_URL: redisUrl,
      SMTP_URL: mail.smtpUrl,
      TEMPORAL_TASK_QUEUE: `bench-${runId}`,
      REDIS_PREFIX: `bench-${runId}:`,
      LOG_LEVEL: 'warn',
      API_KEYS: `${ADMIN_KEY}=admin`,
      HTTP_PORT: '0',
      // the local catcher needs no protection; the product's default (20/s) would be the whole figure
      SMTP_RATE_PER_SECOND: process.env.SMTP_RATE_PER_SECOND ?? '100000',
      // one key drives every call: the per-key request limit would be the figure
      API_RATE_LIMIT: '0',
      // bulk enrolment at its highest allowed rate (the default, 50/s, is a deliberate brake)
      BULK_ENROL_RATE: process.env.BULK_ENROL_RATE ?? '10000',
      ...BENCH_ENV,
    });
    const rawQueue = `bench-raw-${runId}`;

    log('starting the worker process…');
    const worker = await startWorkerChild(config, rawQueue, dir, {
      cpuProf: !!opts.cpuProf,
      workerOptions: opts.workerOptions,
    });
    cleanups.push(() => worker.stop());
    const rt: ClientRuntime = await createClientRuntime(config);
    cleanups.push(() => rt.close());
    // failed requests are logged to <temp dir>/api.log (fastify takes a pino configuration here)
    const apiLogger = { level: 'error', file: path.join(dir, 'api.log') } as unknown as boolean;
    const app = await buildApi({
      config,
      leads: rt.leads,
      tasks: rt.tasks,
      redis: rt.redis,
      roster: rt.roster,
      logger: apiLogger,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const call = async (method: string, p: string, body?: unknown): Promise<unknown> => {
      const res = await fetch(base + p, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
      return text ? JSON.parse(text) : undefined;
    };

    // ---- compressed durations, through the versioned configs ----
    await cadencesStore(rt.redis, config.REDIS_PREFIX).update('bench', (cur) => ({
      cadences: { ...cur.cadences, default: BENCH_CADENCE },
    }));
    await followUpStore(rt.redis, config.REDIS_PREFIX).update('bench', () => ({
      ...BENCH_FOLLOW_UP,
      checkIns: [...BENCH_FOLLOW_UP.checkIns],
    }));
    await changeThresholds(
      {
        redis: rt.redis,
        prefix: config.REDIS_PREFIX,
        temporal: rt.client,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        roster: rt.roster(),
      },
      'bench',
      BENCH_THRESHOLDS,
    );
    const streamRedis = rt.redis.duplicate();
    streamRedis.on('error', () => undefined);
    const stream = readTaskStream(streamRedis, rt.tasks.streamKey, events);
    cleanups.push(async () => {
      await stream.stop();
      streamRedis.disconnect();
    });

    // ---- 1. dealflow: every lead through every stage ----
    const latencies: number[] = [];
    let completed = 0;
    let failed = 0;
    let sampleLead: string | undefined;
    const leadId = (i: number) => `bench-${runId}-${i}`;
    const driveLead = async (i: number) => {
      const id = leadId(i);
      await call('POST', '/v1/leads', {
        id,
        email: `lead${i}@co${i % 97}.bench.example`,
        name: `Lead ${i}`,
        company: `Company ${i}`,
        team: i % 2 ? 'beta' : 'alpha',
        value: 1000,
        timezone: 'UTC',
      });
      for (const step of STEPS) {
        if (step.to === 'won') await call('POST', `/v1/leads/${id}/won`, { amount: 1200 });
        else await call('POST', `/v1/leads/${id}/stage`, { to: step.to, ...(step.note ? { note: step.note } : {}) });
        const answeredAt = performance.now();
        const waits: Promise<unknown>[] = [];
        if (step.entryTask)
          waits.push(
            events.wait(`${id}|task:${step.entryTask}`).then((at) => latencies.push(Math.max(0, at - answeredAt))),
          );
        for (const k of step.tasks) waits.push(events.wait(`${id}|task:${k}`));
        for (const e of step.emails) waits.push(events.wait(`${id}|email:${e}`));
        await Promise.all(waits);
      }
      const res = (await rt.client.workflow.getHandle(`lead-${id}`).result()) as { status: string };
      if (res.status !== 'completed') throw new Error(`lead ${id} ended ${res.status}, not completed`);
    };
    const before = await worker.stats();
    log(`dealflow: ${N} leads through every stage, ${CONC} at a time`);
    const progress = new CountProgress('dealflow leads', N);
    const t0 = performance.now();
    await pool(N, CONC, async (i) => {
      try {
        await driveLead(i);
        completed++;
        sampleLead ??= leadId(i);
        progress.tick(true);
      } catch (e) {
        failed++;
        noteError(e);
        progress.tick(false);
      }
      events.forget(leadId(i));
    });
    const seconds = (performance.now() - t0) / 1000;
    const after = await worker.stats();
    const activities = after.dealflow.activities - before.dealflow.activities;
    // the task list a rep sees (GET /v1/tasks) has the tasks the stream reported
    const listed = (await call('GET', '/v1/tasks?assignee=alice&status=all&pageSize=200')) as {
      items: { leadId: string }[];
    };
    const apiListedTasks = listed.items.filter((x) => x.leadId.startsWith(`bench-${runId}-`)).length;

    // ---- 2. the baseline: the same updates, timers and activities, activities doing nothing ----
    let plan: { phases: BaselinePhase[]; updates: number; activities: number; timers: number } = {
      phases: [],
      updates: 0,
      activities: 0,
      timers: 0,
    };
    let baselineSeconds = 0;
    let baselineCompleted = 0;
    let baselineActivities = 0;
    if (sampleLead && N > 0) {
      plan = baselinePlan(await rt.client.workflow.getHandle(`lead-${sampleLead}`).fetchHistory());
      log(
        `baseline: ${N} workflows, each ${plan.updates} updates, ${plan.timers} timers, ${plan.activities} activities`,
      );
      const bp = new CountProgress('baseline workflows', N);
      const b0 = await worker.stats();
      const t1 = performance.now();
      await pool(N, CONC, async (i) => {
        try {
          const h = await rt.client.workflow.start('baselineWorkflow', {
            taskQueue: rawQueue,
            workflowId: `bench-raw-${runId}-${i}`,
            args: [plan.phases],
          });
          for (let u = 1; u <= plan.updates; u++) await h.executeUpdate<number, [number]>('advance', { args: [u] });
          await h.result();
          baselineCompleted++;
          bp.tick(true);
        } catch (e) {
          noteError(e);
          bp.tick(false);
        }
      });
      baselineSeconds = (performance.now() - t1) / 1000;
      baselineActivities = (await worker.stats()).baseline.activities - b0.baseline.activities;
    }

    // ---- 3. enrolment with a bare start loop, then memory with those leads idle on timers ----
    let idle: BenchResult['idle'] = null;
    let bareLoop: BenchResult['enrol']['bareLoop'] = null;
    if (IDLE > 0) {
      const m0 = await worker.stats(true);
      log(`idle: enrolling ${IDLE} leads with a bare client.workflow.start loop`);
      const ip = new CountProgress('idle leads enrolled', IDLE);
      const t2 = performance.now();
      for (let i = 0; i < IDLE; i++) {
        const lead: LeadInput = {
          id: `bench-${runId}-idle-${i}`,
          email: `idle${i}@co${i % 97}.bench.example`,
          owner: i % 2 ? 'carol' : 'alice',
          team: i % 2 ? 'beta' : 'alpha',
          timezone: 'UTC',
          locale: 'en',
          value: 0,
          currency: 'EUR',
          tags: [],
        };
        try {
          await rt.leads.start(lead, 'bench', 'idle lead for the memory figure');
          ip.tick(true);
        } catch (e) {
          noteError(e);
          ip.tick(false);
        }
      }
      const enrolSeconds = (performance.now() - t2) / 1000;
      bareLoop = { leads: IDLE, seconds: round(enrolSeconds), perSecond: round(IDLE / enrolSeconds) };
      // settled: nothing in flight and no activity ran for 3 s in a row
      log('idle: waiting until the worker is idle…');
      let quiet = 0;
      let lastActs = -1;
      const settleDeadline = Date.now() + 30 * 60_000;
      while (quiet < 3 && Date.now() < settleDeadline) {
        await new Promise((res) => setTimeout(res, 1000));
        const s = await worker.stats();
        const busy = s.dealflow.status.numInFlightWorkflowActivations + s.dealflow.status.numInFlightActivities;
        quiet = busy === 0 && s.dealflow.activities === lastActs ? quiet + 1 : 0;
        lastActs = s.dealflow.activities;
      }
      const m1 = await worker.stats(true);
      idle = {
        leads: IDLE,
        rssBeforeMb: round(m0.memory.rss / 2 ** 20, 1),
        rssAfterMb: round(m1.memory.rss / 2 ** 20, 1),
        heapBeforeMb: round(m0.memory.heapUsed / 2 ** 20, 1),
        heapAfterMb: round(m1.memory.heapUsed / 2 ** 20, 1),
        cachedWorkflows: m1.dealflow.status.numCachedWorkflows,
      };
    }

    // ---- 4. as many leads again through the product's bulk enrolment (client/bulk.ts), timed until its batch is done ----
    let bulk: BenchResult['enrol']['bulk'] = null;
    if (IDLE > 0) {
      const enrolment = BulkEnrolment.fromRuntime(rt);
      const rows = Array.from({ length: IDLE }, (_, i) => ({
        id: `bench-${runId}-bulk-${i}`,
        email: `bulk${i}@co${i % 97}.bench.example`,
        team: i % 2 ? 'beta' : 'alpha',
        timezone: 'UTC',
      }));
      log(`bulk: enrolling ${IDLE} leads through bulk enrolment (BULK_ENROL_RATE ${config.BULK_ENROL_RATE}/s)`);
      const bp = new CountProgress('bulk leads enrolled', IDLE);
      let shown = 0;
      const t3 = performance.now();
      const batch = await enrolment.submit(readJsonArray(rows), { actor: 'bench' });
      const done = await enrolment.waitDone(batch.id, (b) => {
        while (shown < b.enrolled) {
          shown++;
          bp.tick(true);
        }
      });
      const bulkSeconds = (performance.now() - t3) / 1000;
      if (done.status !== 'done' || done.started !== IDLE)
        noteError(
          new Error(`bulk batch ${done.id} ended ${done.status} with ${done.started} of ${IDLE} leads started`),
        );
      bulk = {
        leads: done.started,
        seconds: round(bulkSeconds),
        perSecond: round(done.started / bulkSeconds),
        ratePerSecond: config.BULK_ENROL_RATE,
      };
    }

    const emails = events.emails;
    const result: BenchResult = {
      leads: N,
      completed,
      failed,
      concurrency: CONC,
      seconds: round(seconds),
      leadsPerSecond: round(seconds > 0 ? completed / seconds : 0),
      stageMovesPerSecond: round(seconds > 0 ? (completed * MOVES_PER_LEAD) / seconds : 0),
      activitiesPerSecond: round(seconds > 0 ? activities / seconds : 0),
      emailsPerSecond: round(seconds > 0 ? emails / seconds : 0),
      tasksPerSecond: round(seconds > 0 ? events.tasks / seconds : 0),
      baselinePerSecond: round(baselineSeconds > 0 ? baselineCompleted / baselineSeconds : 0),
      baselineSeconds: round(baselineSeconds),
      baselineActivitiesPerSecond: round(baselineSeconds > 0 ? baselineActivities / baselineSeconds : 0),
      ratio: 0,
      taskLatencyMs: (() => {
        const s = [...latencies].sort((a, b) => a - b);
        return {
          p50: round(percentile(s, 50), 1),
          p95: round(percentile(s, 95), 1),
          p99: round(percentile(s, 99), 1),
          samples: s.length,
        };
      })(),
      rssPerOpenLeadKb: idle ? round(((idle.rssAfterMb - idle.rssBeforeMb) * 1024) / IDLE) : null,
      heapPerOpenLeadKb: idle ? round(((idle.heapAfterMb - idle.heapBeforeMb) * 1024) / IDLE) : null,
      idle,
      enrol: { bareLoop, bulk },
      counts: {
        emails,
        expectedEmails: completed * EMAILS_PER_LEAD,
        tasks: events.tasks,
        expectedTasks: completed * TASKS_PER_LEAD,
        moves: completed * MOVES_PER_LEAD,
        activities,
        baselineActivities,
        apiListedTasks,
      },
      perLead: {
        updates: plan.updates,
        activities: plan.activities,
        timers: plan.timers,
        emails: EMAILS_PER_LEAD,
        tasks: TASKS_PER_LEAD,
      },
      worker: worker.options,
      machine: {
        cpus: os.availableParallelism(),
        memoryGb: round(os.totalmem() / 2 ** 30, 1),
        node: process.version,
        loadAtStart,
        loadAtEnd: load(),
      },
      errors,
    };
    result.ratio = result.baselinePerSecond > 0 ? round(result.leadsPerSecond / result.baselinePerSecond, 3) : 0;

    if (opts.cpuProf) {
      await worker.stop(); // the profile is written when the process exits
      result.cpuProfileDir = path.join(dir, 'cpu-prof');
      keepDir = true;
    }
    if (failed > 0) keepDir = true;
    printResult(result, !!opts.json);
    if (keepDir) log(`logs kept in ${dir}`);
    return failed > 0 || (N > 0 && completed === 0) ? 1 : 0;
  } catch (e) {
    keepDir = true;
    log(`bench failed: ${(e as Error).stack ?? e}\n(logs in ${dir})`);
    return 1;
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    for (const s of services.reverse()) await s.stop().catch(() => undefined);
    if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function printResult(r: BenchResult, json: boolean): void {
  const out = json ? process.stderr : process.stdout;
  const line = (k: string, v: unknown) => out.write(`  ${k.padEnd(34)} ${v}\n`);
  out.write('\ndealflow bench\n');
  line(
    'machine',
    `${r.machine.cpus} cpus, ${r.machine.memoryGb} GB, node ${r.machine.node}, load ${r.machine.loadAtStart.join(' ')} → ${r.machine.loadAtEnd.join(' ')}`,
  );
  line('leads (completed / failed)', `${r.leads} (${r.completed} / ${r.failed}), ${r.concurrency} at a time`);
  line('seconds', r.seconds);
  line('leads/s end to end', r.leadsPerSecond);
  line('stage moves/s', r.stageMovesPerSecond);
  line('activities/s', r.activitiesPerSecond);
  line('emails/s', `${r.emailsPerSecond} (${r.counts.emails} of ${r.counts.expectedEmails} expected)`);
  line('tasks/s', `${r.tasksPerSecond} (${r.counts.tasks} of ${r.counts.expectedTasks} expected)`);
  line(
    'task latency p50/p95/p99 ms',
    `${r.taskLatencyMs.p50} / ${r.taskLatencyMs.p95} / ${r.taskLatencyMs.p99} (${r.taskLatencyMs.samples} samples)`,
  );
  line(
    'baseline (raw Temporal) leads/s',
    `${r.baselinePerSecond} (${r.baselineSeconds}s; per lead ${r.perLead.updates} updates, ${r.perLead.timers} timers, ${r.perLead.activities} activities)`,
  );
  line('ratio dealflow ÷ raw', r.ratio);
  if (r.idle) {
    line(
      'worker RSS per open lead',
      `${r.rssPerOpenLeadKb} KB (${r.idle.rssBeforeMb} → ${r.idle.rssAfterMb} MB, ${r.idle.leads} idle leads, ${r.idle.cachedWorkflows} cached)`,
    );
    line('worker heap per open lead', `${r.heapPerOpenLeadKb} KB (${r.idle.heapBeforeMb} → ${r.idle.heapAfterMb} MB)`);
  }
  if (r.enrol.bareLoop)
    line(
      'enrolment, bare start loop',
      `${r.enrol.bareLoop.perSecond} leads/s (${r.enrol.bareLoop.leads} in ${r.enrol.bareLoop.seconds}s)`,
    );
  if (r.enrol.bulk)
    line(
      'enrolment, bulk path',
      `${r.enrol.bulk.perSecond} leads/s (${r.enrol.bulk.leads} in ${r.enrol.bulk.seconds}s; BULK_ENROL_RATE ${r.enrol.bulk.ratePerSecond})`,
    );
  line('worker options', JSON.stringify(r.worker));
  if (r.cpuProfileDir) line('worker CPU profile', r.cpuProfileDir);
  for (const e of r.errors) out.write(`  error: ${e}\n`);
  if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
}
