/**
 * Records lead workflow histories from a real Temporal dev server into test/replay/histories/, for
 * the replay test. Run it when a deliberate, versioned workflow change needs new fixtures:
 *
 *   npx tsx scripts/record-histories.ts
 *
 * Keep the old files too: they are running leads' histories, and every one must keep replaying.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../config/env';
import { findTemporalCli, startMailCatcher, startRedis, startTemporalDevServer } from '../devstack/services';
import { createWorker } from '../workers/worker';
import { createClientRuntime } from '../client/runtime';
import { cadencesStore } from '../store/config/cadences-store';
import { thresholdsStore } from '../store/config/thresholds-store';
import { CampaignsClient } from '../client/campaigns';
import { BulkEnrolment } from '../client/bulk';
import { thresholdsChangedSignal } from '../workflows/messages';

const OUT = path.resolve(__dirname, '../test/replay/histories');

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-record-'));
  const temporal = await startTemporalDevServer({ dbFile: path.join(dir, 't.db'), logDir: dir });
  const redis = await startRedis({ dataDir: path.join(dir, 'redis'), logDir: dir });
  const mail = await startMailCatcher({});
  const config = loadConfig({
    TEMPORAL_ADDRESS: temporal.address,
    REDIS_URL: redis.url,
    SMTP_URL: mail.smtpUrl,
    TEMPORAL_TASK_QUEUE: 'record',
    LOG_LEVEL: 'warn',
  });
  const worker = await createWorker(config);
  const running = worker.run();
  const rt = await createClientRuntime(config);
  const L = rt.leads;
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const tag = process.env.RECORD_TAG ?? 'v1';
  try {
    // 1. every stage, a skip, a step back, activity, a reply, a completed task, won
    const a = await L.create(
      { id: 'replay-walk', email: 'walk@example.com', name: 'Ada', company: 'Engines', owner: 'alice', value: 5000 },
      'mia',
    );
    await L.move(a.id, 'preparation', 'alice');
    await wait(300);
    await L.move(a.id, 'presentation', 'alice', 'skip: demo requested');
    await wait(300);
    await L.move(a.id, 'approach', 'mia', 'back: demo postponed');
    await L.logActivity(a.id, 'call', 'alice', 'voicemail');
    await L.replied(a.id, { actor: 'customer', via: 'api' });
    await L.move(a.id, 'objections', 'alice', 'price');
    await wait(300);
    // the first task still open (the ones of stages the lead left are cancelled)
    const task = (await rt.tasks.forLead(a.id)).find((t) => t.status === 'open');
    if (task) await L.completeTask(task.id, 'alice');
    await L.move(a.id, 'closing', 'alice');
    await wait(300);
    await L.won(a.id, 'alice', 6000);
    await wait(500);
    // 2. lost after a task
    const b = await L.create({ id: 'replay-lost', email: 'lost@example.com', owner: 'bob' }, 'mia');
    await L.move(b.id, 'preparation', 'bob');
    await wait(300);
    await L.lost(b.id, 'bob', 'no budget');
    await wait(500);
    // 2b. the same person again, with a new id: a new deal linked to the closed one (previousLeadId)
    const r = await L.create({ id: 'replay-returning', email: 'LOST@example.com', owner: 'bob' }, 'mia');
    await wait(300);
    await L.disqualify(r.id, 'bob', 'not a fit');
    await wait(500);
    // 3. rejected moves leave no trace
    const c = await L.create({ id: 'replay-rejected', email: 'rej@example.com', owner: 'carol' }, 'max');
    await L.move(c.id, 'follow_up', 'carol').catch(() => undefined);
    await L.move(c.id, 'prospecting', 'carol').catch(() => undefined);
    await L.move(c.id, 'approach', 'carol');
    await wait(500);
    // 4. a campaign lead: enrolled by a batch, paused (the cadence email held), resumed (released), enrolled again
    await cadencesStore(rt.redis, config.REDIS_PREFIX).update('record', (cur) => ({
      cadences: {
        ...cur.cadences,
        quick: {
          steps: [
            { after: '0s', template: 'approach_intro' },
            { after: '2s', template: 'approach_followup_1' },
          ],
          businessHours: null,
        },
      },
    }));
    const campaigns = new CampaignsClient({
      redis: rt.redis,
      prefix: config.REDIS_PREFIX,
      temporal: rt.client,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      leads: L,
    });
    await campaigns.create({ id: 'replay', name: 'Replay', cadence: 'quick' }, 'marketing');
    const bulk = new BulkEnrolment({
      leads: L,
      redis: rt.redis,
      temporal: rt.client,
      prefix: config.REDIS_PREFIX,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      ratePerSecond: 50,
    });
    const rows = [
      { line: 1, row: { id: 'replay-campaign', email: 'campaign@example.com', owner: 'alice', stage: 'approach' } },
    ];
    await bulk.waitDone((await bulk.submit(rows, { campaign: 'replay', actor: 'marketing' })).id);
    await wait(500);
    await campaigns.setState('replay', 'pause', 'marketing');
    await wait(4000);
    await campaigns.setState('replay', 'resume', 'marketing');
    await wait(1500);
    await bulk.waitDone((await bulk.submit(rows, { campaign: 'replay', actor: 'marketing' })).id);
    await wait(500);

    // 5. a lead with no value walks every open stage and is lost (its facts carry value 0)
    const d = await L.create(
      { id: 'replay-novalue', email: 'novalue@example.com', owner: 'carol', team: 'beta' },
      'max',
    );
    for (const to of ['preparation', 'approach', 'presentation', 'objections', 'closing'] as const) {
      await L.move(d.id, to, 'carol');
      await wait(300);
    }
    await L.lost(d.id, 'carol', 'went quiet');
    await rt.client.workflow.getHandle(`lead-${d.id}`).result(); // recorded up to its completion

    // 6. a stall (escalation task), activity that resets it, a longer stall (levels 1 and 2), then
    // won: the closing task and the escalation tasks no longer apply and are cancelled
    await thresholdsStore(rt.redis, config.REDIS_PREFIX).update('record', (cur) => ({
      ...cur,
      teams: { ...cur.teams, alpha: { ...(cur.teams.alpha ?? {}), closing: '2s' } },
    }));
    const e = await L.create(
      {
        id: 'replay-tasks',
        email: 'tasks@example.com',
        company: 'Tasks Co',
        owner: 'alice',
        team: 'alpha',
        stage: 'closing',
        value: 900,
      },
      'mia',
    );
    await wait(3000);
    await L.logActivity(e.id, 'call', 'alice', 'still interested');
    await wait(5000);
    await L.won(e.id, 'alice', 900);
    await wait(1500);

    // 7. moves through the API in quick succession (each entry superseded before its turn makes its
    // task and ends), the objections note travelling with its entry; the caller's access is a whole
    // API principal, of which only {role, scope} may reach the update's arguments
    const caller = { role: 'rep' as const, scope: 'alice', actor: 'alice', key: 'recorded-key-digest-must-not-appear' };
    const f = await L.create(
      {
        id: 'replay-rapid',
        email: 'rapid@example.com',
        company: 'Rapid Ltd',
        owner: 'alice',
        team: 'alpha',
        value: 700,
      },
      'mia',
    );
    await wait(300);
    await L.move(f.id, 'presentation', 'alice', undefined, caller);
    await L.move(f.id, 'objections', 'alice', 'too expensive for now', caller);
    await L.move(f.id, 'closing', 'alice', undefined, caller);
    await L.move(f.id, 'objections', 'alice', 'a competitor is cheaper', caller);
    await wait(1000);
    await L.lost(f.id, 'alice', 'chose the competitor', caller);
    await rt.client.workflow.getHandle(`lead-${f.id}`).result();

    // 8. a threshold stored before durations had their maximum (too long for a date): the stall
    // watcher records its error and carries on; lowered (and pushed, as the propagation does), the
    // lead escalates; then it is lost
    const thresholds = thresholdsStore(rt.redis, config.REDIS_PREFIX);
    await thresholds.update('record', (cur) => ({
      ...cur,
      teams: { ...cur.teams, beta: { ...(cur.teams.beta ?? {}), approach: '100000000d' } },
    }));
    const g = await L.create(
      {
        id: 'replay-watcher',
        email: 'watcher@example.com',
        company: 'Watch Co',
        owner: 'carol',
        team: 'beta',
        stage: 'approach',
        value: 300,
      },
      'max',
    );
    await wait(1500);
    const lowered = await thresholds.update('record', (cur) => ({
      ...cur,
      teams: { ...cur.teams, beta: { ...(cur.teams.beta ?? {}), approach: '1s' } },
    }));
    await rt.client.workflow.getHandle(`lead-${g.id}`).signal(thresholdsChangedSignal, lowered.doc);
    await wait(3000);
    await L.lost(g.id, 'carol', 'went quiet');
    await rt.client.workflow.getHandle(`lead-${g.id}`).result();

    fs.mkdirSync(OUT, { recursive: true });
    for (const id of [a.id, b.id, r.id, c.id, 'replay-campaign', d.id, e.id, f.id, g.id]) {
      // the CLI's JSON is the canonical history format that historyFromJSON reads
      const json = execFileSync(
        findTemporalCli()!,
        ['workflow', 'show', '--address', temporal.address, '-w', `lead-${id}`, '-o', 'json'],
        { encoding: 'utf8' },
      );
      const file = path.join(OUT, `${tag}-${id}.json`);
      fs.writeFileSync(file, json);
      console.log(`recorded ${file} (${JSON.parse(json).events.length} events)`);
    }
  } finally {
    await rt.close();
    await worker.shutdown();
    await running;
    await redis.stop();
    await mail.stop();
    await temporal.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
