/**
 * The fault suite (RELIABILITY.md): starts its own stack — a Temporal dev server, Redis, an SMTP
 * catcher, worker processes — drives N leads through the approach cadence and three more stages,
 * and meanwhile SIGKILLs the worker, stops Redis, stops the SMTP server and restarts the Temporal
 * server. At the end it counts the lead emails by Message-ID and the tasks by id — expected,
 * delivered, duplicated — and prints them (a JSON line last). Exit code 1 when anything is missing
 * or doubled.
 *
 *   bash scripts/faults.sh                 # 150 leads
 *   FAULT_LEADS=40 bash scripts/faults.sh  # fewer
 *
 * Environment: FAULT_LEADS (default 150), FAULT_OUTAGE_S (each outage's length, default 25),
 * FAULT_DIR (where the services keep their data and logs; default a new temporary directory).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadConfig } from '../config/env';
import {
  startMailCatcher,
  startRedis,
  startTemporalDevServer,
  type CaughtMessage,
  type MailCatcher,
} from '../devstack/services';
import { createClientRuntime, type ClientRuntime } from '../client/runtime';
import { cadencesStore } from '../store/config/cadences-store';
import { mailDomain, messageIdFor } from '../store/email/mailer';
import { spawnWorker, type WorkerProcess } from '../test/support/worker-process';

const N = Number(process.env.FAULT_LEADS ?? 150);
const OUTAGE_MS = Number(process.env.FAULT_OUTAGE_S ?? 25) * 1000;
const DIR = process.env.FAULT_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-faults-'));
const PATH = ['presentation', 'objections', 'closing'] as const;
/** the tasks each lead's automation makes: the call after the cadence, then one per stage */
const TASK_KINDS = ['call', 'demo', 'objection', 'closing'];
const CADENCE = {
  steps: [
    { after: '0s', template: 'approach_intro' },
    { after: '5s', template: 'approach_followup_1' },
    { after: '5s', template: 'approach_breakup' },
  ],
  businessHours: null,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const say = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

/** Retries a client call through outages (a real client does so), for up to 5 minutes. */
async function persist<T>(what: string, fn: () => Promise<T>, done?: () => Promise<boolean>): Promise<T | undefined> {
  const deadline = Date.now() + 300_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (done && (await done().catch(() => false))) return undefined; // it went through before the error
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      await sleep(Math.min(500 * 2 ** attempt, 5000));
    }
  }
}

async function main(): Promise<void> {
  say(`fault suite: ${N} leads, outages of ${OUTAGE_MS / 1000} s, data in ${DIR}`);
  const bundlePath = path.join(DIR, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, (await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') })).code);
  process.env.DEALFLOW_WORKFLOW_BUNDLE = bundlePath;

  let temporal = await startTemporalDevServer({ dbFile: path.join(DIR, 'temporal.db'), logDir: DIR });
  const temporalPort = Number(temporal.address.split(':').pop());
  let redis = await startRedis({ dataDir: path.join(DIR, 'redis'), logDir: DIR });
  const caught: CaughtMessage[] = [];
  let mail: MailCatcher = await startMailCatcher({ onMessage: (m) => caught.push(m) });
  const smtpPort = mail.smtpPort;
  const config = loadConfig({
    TEMPORAL_ADDRESS: temporal.address,
    REDIS_URL: `redis://127.0.0.1:${redis.port}`,
    SMTP_URL: mail.smtpUrl,
    TEMPORAL_TASK_QUEUE: 'faults',
    REDIS_PREFIX: 'faults:',
    LOG_LEVEL: 'warn',
  });
  const workers: WorkerProcess[] = [];
  let rt: ClientRuntime | undefined;
  const faults: string[] = [];
  try {
    workers.push(await spawnWorker(config));
    rt = await createClientRuntime(config);
    const runtime = rt;
    await cadencesStore(runtime.redis, config.REDIS_PREFIX).update('faults', (cur) => ({
      cadences: { ...cur.cadences, faults: CADENCE },
    }));
    const ids = Array.from({ length: N }, (_, i) => `fault-${i}`);
    const L = runtime.leads;

    // ---- the drive: each lead gets its three cadence emails and the call task, then moves on ----
    let finished = 0;
    const drive = ids.map(async (id, i) => {
      await sleep((i % 50) * 100);
      await persist(`create ${id}`, () =>
        L.create(
          {
            id,
            email: `${id}@customer.test`,
            owner: i % 2 ? 'alice' : 'bob',
            team: 'alpha',
            stage: 'approach',
            cadence: 'faults',
          },
          'faults',
        ),
      );
      const deadline = Date.now() + 900_000;
      for (;;) {
        const s = await L.get(id).catch(() => undefined);
        if (s && s.emails.length >= 3 && s.tasks.some((t) => t.kind === 'call')) break;
        if (Date.now() > deadline) throw new Error(`${id} did not finish its cadence`);
        await sleep(2000);
      }
      for (const to of PATH) {
        await persist(
          `move ${id} to ${to}`,
          () => L.move(id, to, 'alice'),
          async () => (await L.get(id)).stage === to,
        );
        await sleep(300);
      }
      finished++;
    });

    // ---- the faults, one after the other while the leads run ----
    const outage = async (name: string, stop: () => Promise<void>, start: () => Promise<void>) => {
      say(`${name}: down`);
      await stop();
      await sleep(OUTAGE_MS);
      await start();
      say(`${name}: back`);
      faults.push(`${name} (${OUTAGE_MS / 1000} s)`);
      await sleep(8000);
    };
    const killWorker = async (n: number) => {
      say(`worker SIGKILL #${n}`);
      await workers[workers.length - 1].kill('SIGKILL');
      await sleep(1500);
      workers.push(await spawnWorker(config));
      faults.push(`worker SIGKILL #${n}`);
      await sleep(6000);
    };
    await sleep(8000);
    await killWorker(1);
    await outage(
      'Redis (SIGTERM)',
      () => redis.stop(),
      async () => {
        redis = await startRedis({ dataDir: path.join(DIR, 'redis'), logDir: DIR, port: redis.port });
      },
    );
    await killWorker(2);
    await outage(
      'SMTP',
      () => mail.stop(),
      async () => {
        mail = await startMailCatcher({ smtpPort, onMessage: (m) => caught.push(m) });
      },
    );
    await outage(
      'Temporal server (SIGTERM, restart)',
      () => temporal.stop(),
      async () => {
        temporal = await startTemporalDevServer({
          dbFile: path.join(DIR, 'temporal.db'),
          logDir: DIR,
          port: temporalPort,
        });
      },
    );
    await killWorker(3);
    say(`faults done; waiting for the leads (${finished}/${N} through)`);
    const results = await Promise.allSettled(drive);
    const failed = results.filter((r) => r.status === 'rejected');
    for (const f of failed.slice(0, 5)) say(`a lead's drive failed: ${f.reason}`);

    // ---- settle: every lead's closing task made, the mail queue drained ----
    const settleBy = Date.now() + 300_000;
    for (const id of ids) {
      for (;;) {
        const s = await L.get(id).catch(() => undefined);
        if (
          (s && s.stage === 'closing' && TASK_KINDS.every((k) => s.tasks.some((t) => t.kind === k))) ||
          Date.now() > settleBy
        )
          break;
        await sleep(1000);
      }
    }
    await sleep(5000);

    // ---- count ----
    // the cadence emails are the ones every lead must get: their Message-IDs are deterministic
    // (`<lead>.<entry>:<step>@<domain>`, store/email/mailer.ts); the emails of the stages the lead
    // passes through quickly depend on timing and are only checked for duplicates
    const domain = mailDomain(config.MAIL_FROM);
    const expectedMail = new Set<string>();
    const expectedTasks = new Set<string>();
    for (const id of ids) {
      CADENCE.steps.forEach((_, i) => expectedMail.add(messageIdFor(id, `1:approach:${i}`, domain)));
      // the task ids are deterministic: `<lead>.<stage entry>.<kind>` (entry 1 approach, 2–4 the moves)
      for (const [entry, kind] of [
        [1, 'call'],
        [2, 'demo'],
        [3, 'objection'],
        [4, 'closing'],
      ] as const)
        expectedTasks.add(`${id}.${entry}.${kind}`);
    }
    const leadMail = caught.filter((m) => m.to.some((t) => t.includes('@customer.test')));
    const byId = new Map<string, number>();
    for (const m of leadMail) byId.set(m.messageId ?? '(none)', (byId.get(m.messageId ?? '(none)') ?? 0) + 1);
    const mailExpected = expectedMail.size;
    const mailDelivered = [...expectedMail].filter((k) => byId.has(k)).length;
    const mailDuplicated = [...byId.values()].reduce((a, n) => a + (n - 1), 0);
    const mailOther = [...byId.keys()].filter((k) => !expectedMail.has(k)).length;

    const events = await runtime.redis.xrange(runtime.tasks.streamKey, '-', '+');
    const created = events
      .filter(([, f]) => f[f.indexOf('type') + 1] === 'task.created')
      .map(([, f]) => f[f.indexOf('taskId') + 1]);
    const stored = new Set<string>();
    for (const id of ids) for (const t of await runtime.tasks.forLead(id)) stored.add(t.id);
    const tasksDelivered = [...expectedTasks].filter((t) => stored.has(t)).length;
    const tasksDuplicated = created.length - new Set(created).size;

    const failedLeads = (
      await Promise.all(
        ids.map(async (id) =>
          (await rt!.client.workflow.getHandle(`lead-${id}`).describe()).status.name === 'FAILED' ? id : undefined,
        ),
      )
    ).filter(Boolean);
    // a workflow task that keeps failing (a nondeterminism error) leaves the lead running but stuck
    const stuck = (await runtime.client.workflow.count('TemporalReportedProblems IS NOT NULL')).count;
    const summary = {
      date: new Date().toISOString(),
      leads: N,
      drivesFailed: failed.length,
      workflowsFailed: failedLeads.length,
      workflowsStuck: stuck,
      faults,
      emails: {
        expected: mailExpected,
        delivered: mailDelivered,
        duplicated: mailDuplicated,
        otherStageEmails: mailOther,
        caught: leadMail.length,
      },
      tasks: {
        expected: expectedTasks.size,
        delivered: tasksDelivered,
        duplicated: tasksDuplicated,
        createdEvents: created.length,
      },
      seconds: Math.round((Date.now() - t0) / 1000),
    };
    console.log('\n                         expected  delivered  duplicated');
    console.log(
      `cadence emails (by Message-ID) ${String(mailExpected).padStart(6)} ${String(mailDelivered).padStart(10)} ${String(mailDuplicated).padStart(11)}`,
    );
    console.log(
      `tasks (by id)                  ${String(expectedTasks.size).padStart(6)} ${String(tasksDelivered).padStart(10)} ${String(tasksDuplicated).padStart(11)}`,
    );
    console.log(`faults: ${faults.join('; ')}`);
    console.log(JSON.stringify(summary));
    const ok =
      mailDelivered === mailExpected &&
      mailDuplicated === 0 &&
      tasksDelivered === expectedTasks.size &&
      tasksDuplicated === 0 &&
      failed.length === 0 &&
      failedLeads.length === 0 &&
      stuck === 0;
    process.exitCode = ok ? 0 : 1;
  } finally {
    await rt?.close().catch(() => undefined);
    for (const w of workers) await w.kill('SIGKILL');
    await mail.stop().catch(() => undefined);
    await redis.stop().catch(() => undefined);
    await temporal.stop().catch(() => undefined);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
