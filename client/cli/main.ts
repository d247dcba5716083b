/**
 * The `dealflow` CLI (SPEC §7): dev | worker | api | lead add|show|list|move|log|won|lost | tasks |
 * thresholds get|set | report funnel|forecast|pipeline | rates get|set | metrics rebuild | import | bench.
 * It uses the same LeadsClient as the API.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError, type Config } from '../../config/env';
import { createClientRuntime } from '../runtime';
import { ACTIVITY_TYPES, type ActivityType } from '../../config/defaults';
import type { LeadState } from '../../workflows/types';
import { formatConverted, formatTotals } from '../metrics/money';

const USAGE = `dealflow — a sales pipeline run as durable Temporal workflows

Usage:
  dealflow dev                      the whole local stack: Temporal dev server (SQLite in .data/),
                                    Redis, an SMTP catcher, worker and API; prints URLs and demo keys
  dealflow worker                   run a worker
  dealflow api                      run the HTTP API
  dealflow lead add --email E [--name N] [--company C] [--owner REP] [--team T] [--value V] [--currency ISO] [--timezone TZ] [--locale en|fa] [--id ID]
  dealflow lead show ID [--json]
  dealflow lead list [--stage S] [--owner REP] [--team T] [--status S] [--stalled]
  dealflow lead move ID STAGE [--note TEXT]
  dealflow lead log ID call|email|meeting|note [--note TEXT]
  dealflow lead won ID [--amount N]
  dealflow lead lost ID --reason TEXT
  dealflow lead disqualify ID --reason TEXT
  dealflow lead reindex             record every lead (open and closed) in the address index, for
                                    leads started before it existed (README "One lead per person")
  dealflow thresholds get [--json]
  dealflow thresholds set [--team T] stage=duration … [--multipliers 1,2,3] [--auto-reassign true|false]
  dealflow tasks [--assignee ID] [--team T] [--status open|done|all]
  dealflow import FILE.csv [--campaign ID] [--encoding NAME] [--delimiter D] [--no-wait] [--json]
                                    enrol a CSV of leads (header: the lead input fields or their
                                    aliases; encoding default UTF-8; delimiter , ; tab | detected);
                                    a progress bar, then every rejected line with its reason (exit 1 if any)
  dealflow report funnel [--from DATE] [--to DATE] [--team T] [--json]   funnel (default: the last 90 days)
  dealflow report forecast [--team T] [--json]                           weighted pipeline by stage, per currency
  dealflow report pipeline [--team T] [--json]                           the board: deals and value per stage, per currency
  dealflow rates get [--json] [--history]                                exchange rates for converted totals (docs/CONFIG.md)
  dealflow rates set --base CUR CUR=RATE …                               replace them (1 CUR = RATE base), versioned, audited
  dealflow metrics rebuild [--dry-run] [--json]
                                    recompute the board counters and facts indexes from the per-lead
                                    facts, print the drift (expected vs stored) and repair it (exit 1
                                    if drift was found; --dry-run only reports)
  dealflow bench [--leads N] [--idle N] [--concurrency N] [--json]
                                    benchmark against raw Temporal on a local stack (BENCHMARKS.md)

Options for lead/tasks commands:
  --as NAME    the actor recorded in the lead's history (default cli:<user>)
Configuration comes from the environment (see docs/CONFIG.md).`;

function config(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
}

/** A validation error with field paths: each printed, exit 2; anything else is rethrown. */
function fieldErrors(e: unknown): number {
  const details = (e as { details?: { path: string; message: string }[] }).details;
  if (!details) throw e;
  for (const d of details) console.error(`  ${d.path}: ${d.message}`);
  return 2;
}

function table(rows: Record<string, unknown>[], cols: string[]): string {
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => String(r[c] ?? ''))))].join('\n');
}

function printLead(l: LeadState): void {
  console.log(`${l.id}  ${l.name ?? ''} <${l.email}>  ${l.company ?? ''}`);
  console.log(`  stage ${l.stage}  status ${l.status}  owner ${l.owner} (${l.team})  value ${l.value} ${l.currency}`);
  console.log(`  last activity ${l.lastActivityAt}  escalation level ${l.escalation.level}${l.next ? `  next ${l.next.kind}${l.next.at ? ` at ${l.next.at}` : ''}` : ''}`);
  if (l.score !== null) console.log(`  score ${l.score}: ${l.scoreReasons.join('; ')}`);
  console.log('  history:');
  for (const h of l.history) console.log(`    ${h.at}  ${h.type.padEnd(16)} ${h.actor.padEnd(10)} ${h.cause}`);
  if (l.tasks.length) {
    console.log('  tasks:');
    for (const t of l.tasks) console.log(`    ${t.id}  ${t.kind}  → ${t.assignee}  due ${t.dueAt}`);
  }
}

async function leadCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      email: { type: 'string' }, name: { type: 'string' }, company: { type: 'string' }, title: { type: 'string' },
      owner: { type: 'string' }, team: { type: 'string' }, value: { type: 'string' }, currency: { type: 'string' }, timezone: { type: 'string' },
      locale: { type: 'string' }, id: { type: 'string' }, source: { type: 'string' }, cadence: { type: 'string' },
      stage: { type: 'string' }, status: { type: 'string' }, stalled: { type: 'boolean' },
      note: { type: 'string' }, amount: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' },
      as: { type: 'string' },
    },
  });
  const actor = values.as ?? `cli:${os.userInfo().username}`;
  const rt = await createClientRuntime(config(), { followRoster: false });
  try {
    switch (sub) {
      case 'add': {
        const body: Record<string, unknown> = {};
        for (const k of ['email', 'name', 'company', 'title', 'owner', 'team', 'timezone', 'locale', 'id', 'source', 'cadence', 'currency'] as const) {
          if (values[k] !== undefined) body[k] = values[k];
        }
        if (values.value !== undefined) body.value = Number(values.value);
        const res = await rt.leads.create(body, actor, `created by ${actor} via CLI`);
        console.log(
          res.created
            ? `created lead ${res.id}${res.previousLeadId ? ` (follows closed lead ${res.previousLeadId})` : ''}`
            : `lead ${res.id} already exists (nothing started)${res.reason ? `: ${res.reason}` : ''}`,
        );
        return 0;
      }
      case 'show': {
        const id = positionals[0];
        if (!id) throw new Error('usage: dealflow lead show ID');
        const l = await rt.leads.get(id);
        if (values.json) console.log(JSON.stringify(l, null, 2));
        else printLead(l);
        return 0;
      }
      case 'list': {
        const res = await rt.leads.list({ stage: values.stage, owner: values.owner, team: values.team, status: values.status, stalled: values.stalled });
        if (values.json) console.log(JSON.stringify(res, null, 2));
        else console.log(table(res.items as unknown as Record<string, unknown>[], ['id', 'stage', 'status', 'owner', 'team', 'value', 'currency', 'escalationLevel']));
        return 0;
      }
      case 'move': {
        const [id, to] = positionals;
        if (!id || !to) throw new Error('usage: dealflow lead move ID STAGE [--note TEXT]');
        const s = await rt.leads.move(id, to, actor, values.note);
        console.log(`${s.id} is now in ${s.stage}`);
        return 0;
      }
      case 'log': {
        const [id, type] = positionals;
        if (!id || !(ACTIVITY_TYPES as readonly string[]).includes(type)) throw new Error(`usage: dealflow lead log ID ${ACTIVITY_TYPES.join('|')} [--note TEXT]`);
        await rt.leads.logActivity(id, type as ActivityType, actor, values.note);
        console.log(`${type} logged on ${id}`);
        return 0;
      }
      case 'won': {
        const id = positionals[0];
        if (!id) throw new Error('usage: dealflow lead won ID [--amount N]');
        const s = await rt.leads.won(id, actor, values.amount !== undefined ? Number(values.amount) : undefined);
        console.log(`${s.id} won → ${s.stage}`);
        return 0;
      }
      case 'lost': {
        const id = positionals[0];
        if (!id || !values.reason) throw new Error('usage: dealflow lead lost ID --reason TEXT');
        await rt.leads.lost(id, actor, values.reason);
        console.log(`${id} lost`);
        return 0;
      }
      case 'reindex': {
        const r = await rt.leads.reindexAddresses((n) => process.stderr.write(`\r${n} leads read`));
        process.stderr.write('\n');
        console.log(`${r.leads} leads read; ${r.changed} address index entries added or updated; ${r.unreadable} unreadable`);
        return 0;
      }
      case 'disqualify': {
        const id = positionals[0];
        if (!id || !values.reason) throw new Error('usage: dealflow lead disqualify ID --reason TEXT');
        await rt.leads.disqualify(id, actor, values.reason);
        console.log(`${id} disqualified`);
        return 0;
      }
      default:
        console.error(USAGE);
        return 2;
    }
  } finally {
    await rt.close();
  }
}

async function thresholdsCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { team: { type: 'string' }, multipliers: { type: 'string' }, 'auto-reassign': { type: 'string' }, json: { type: 'boolean' }, as: { type: 'string' }, history: { type: 'boolean' } },
  });
  const rt = await createClientRuntime(config(), { followRoster: false });
  try {
    const { getThresholds, changeThresholds } = require('../thresholds') as typeof import('../thresholds');
    if (sub === 'get') {
      const doc = await getThresholds({ redis: rt.redis, prefix: rt.config.REDIS_PREFIX });
      if (values.json) console.log(JSON.stringify(doc, null, 2));
      else {
        console.log(`thresholds v${doc.version}${doc.updatedBy ? ` (by ${doc.updatedBy} at ${doc.updatedAt})` : ' (defaults)'}`);
        const teams = Object.keys(doc.teams);
        const rows = Object.keys(doc.global).map((stage) => ({
          stage,
          global: (doc.global as Record<string, string>)[stage],
          ...Object.fromEntries(teams.map((t) => [t, (doc.teams[t] as Record<string, string>)[stage] ?? ''])),
        }));
        console.log(table(rows, ['stage', 'global', ...teams]));
        console.log(`escalation: multipliers ${doc.escalation.multipliers.join(', ')}; auto-reassign ${doc.escalation.autoReassign}`);
      }
      return 0;
    }
    if (sub === 'set') {
      const stages: Record<string, string | null> = {};
      for (const p of positionals) {
        const m = /^([a-z_]+)=(.*)$/.exec(p);
        if (!m) throw new Error(`"${p}" is not stage=duration (e.g. approach=5d; approach= removes a team override)`);
        stages[m[1]] = m[2] === '' ? null : m[2];
      }
      const patch: Record<string, unknown> = {};
      if (Object.keys(stages).length) patch[values.team ? 'teams' : 'global'] = values.team ? { [values.team]: stages } : stages;
      const escalation: Record<string, unknown> = {};
      if (values.multipliers) escalation.multipliers = values.multipliers.split(',').map(Number);
      if (values['auto-reassign']) escalation.autoReassign = values['auto-reassign'] === 'true';
      if (Object.keys(escalation).length) patch.escalation = escalation;
      if (!Object.keys(patch).length) throw new Error('usage: dealflow thresholds set [--team T] stage=duration … [--multipliers 1,2,3] [--auto-reassign true|false]');
      const actor = values.as ?? `cli:${os.userInfo().username}`;
      const { doc, propagation } = await changeThresholds(
        { redis: rt.redis, prefix: rt.config.REDIS_PREFIX, temporal: rt.client, taskQueue: rt.config.TEMPORAL_TASK_QUEUE, roster: rt.roster() },
        actor,
        patch,
      );
      console.log(`thresholds v${doc.version} saved${propagation ? `; running leads are being told (${propagation})` : ''}`);
      return 0;
    }
    console.error('usage: dealflow thresholds get [--json] | set [--team T] stage=duration … [--multipliers 1,2,3] [--auto-reassign true|false]');
    return 2;
  } catch (e) {
    return fieldErrors(e);
  } finally {
    await rt.close();
  }
}

async function tasksCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { assignee: { type: 'string' }, team: { type: 'string' }, status: { type: 'string' }, json: { type: 'boolean' } } });
  const rt = await createClientRuntime(config(), { followRoster: false });
  try {
    const assignee = values.assignee ?? (values.team ? undefined : os.userInfo().username);
    const res = await rt.tasks.list({ assignee, team: values.team, status: (values.status as 'open') ?? 'open', limit: 200 });
    if (values.json) console.log(JSON.stringify(res, null, 2));
    else console.log(table(res.items as unknown as Record<string, unknown>[], ['id', 'assignee', 'kind', 'dueAt', 'priority', 'status', 'title']));
    return 0;
  } finally {
    await rt.close();
  }
}

const pct = (n: number | null) => (n === null ? '–' : `${Math.round(n * 1000) / 10}%`);

/** Per-currency amounts for the report tables: `¥10,000,000 · €60,000.00` (client/metrics/money.ts). */
const moneyCell = formatTotals;

/** `dealflow report funnel|forecast|pipeline`: the same numbers as the API's, from the lead facts, as tables. */
async function reportCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { from: { type: 'string' }, to: { type: 'string' }, team: { type: 'string' }, json: { type: 'boolean' } } });
  if (sub !== 'funnel' && sub !== 'forecast' && sub !== 'pipeline') {
    console.error('usage: dealflow report funnel [--from DATE] [--to DATE] [--team T] [--json] | forecast [--team T] [--json] | pipeline [--team T] [--json]');
    return 2;
  }
  const rt = await createClientRuntime(config(), { followRoster: false });
  try {
    const { MetricsService, periodRange } = require('../metrics/service') as typeof import('../metrics/service');
    const metrics = new MetricsService(rt.redis, rt.config.REDIS_PREFIX);
    const forTeam = values.team ? ` (team ${values.team})` : '';
    if (sub === 'funnel') {
      const f = await metrics.funnel(periodRange({ from: values.from, to: values.to }), values.team);
      if (values.json) console.log(JSON.stringify(f, null, 2));
      else {
        console.log(`funnel ${f.from} → ${f.to}${forTeam}: leads created in the period`);
        console.log(table(f.stages.map((s) => ({ ...s, conversion: pct(s.conversion), medianTimeInStageHours: s.medianTimeInStageHours ?? '–' })), ['stage', 'entered', 'advanced', 'conversion', 'medianTimeInStageHours']));
        console.log(`closed in the period: won ${f.won}, lost ${f.lost}, win rate ${pct(f.winRate)}, median cycle ${f.medianCycleDays ?? '–'} days`);
      }
    } else if (sub === 'pipeline') {
      const p = await metrics.pipeline(values.team);
      if (values.json) console.log(JSON.stringify(p, null, 2));
      else {
        const rows = p.stages.map((s) => ({ ...s, values: moneyCell(s.values), converted: formatConverted(s.converted) }));
        console.log(table(rows, ['stage', 'count', 'values', 'atRisk', 'stalled', ...(rows.some((r) => r.converted) ? ['converted'] : [])]));
      }
    } else {
      const f = await metrics.forecast(values.team);
      if (values.json) console.log(JSON.stringify(f, null, 2));
      else {
        const rows = f.byStage.map((s) => ({ stage: s.stage, values: moneyCell(s.values), probability: pct(s.probability), weighted: moneyCell(s.weightedValues), converted: formatConverted(s.weightedConverted) }));
        console.log(table(rows, ['stage', 'values', 'probability', 'weighted', ...(f.weightedConverted ? ['converted'] : [])]));
        console.log(`total ${moneyCell(f.totals)}; weighted ${moneyCell(f.weightedTotals)}${forTeam}`);
        if (f.converted) console.log(`converted: total ${formatConverted(f.converted)}; weighted ${formatConverted(f.weightedConverted)}`);
      }
    }
    return 0;
  } catch (e) {
    return fieldErrors(e);
  } finally {
    await rt.close();
  }
}

/** `dealflow rates get|set`: the exchange rates of converted totals, as `PUT /v1/config/rates`. */
async function ratesCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { base: { type: 'string' }, json: { type: 'boolean' }, history: { type: 'boolean' }, as: { type: 'string' } } });
  const usage = 'usage: dealflow rates get [--json] [--history] | set --base CUR CUR=RATE … [--as NAME]';
  if (sub !== 'get' && sub !== 'set') {
    console.error(usage);
    return 2;
  }
  const rt = await createClientRuntime(config(), { followRoster: false });
  try {
    const { MetricsService } = require('../metrics/service') as typeof import('../metrics/service');
    const metrics = new MetricsService(rt.redis, rt.config.REDIS_PREFIX);
    if (sub === 'get') {
      const out = values.history ? { items: await metrics.ratesConfig.history(100) } : await metrics.ratesConfig.get();
      if (values.json || 'items' in out) console.log(JSON.stringify(out, null, 2));
      else {
        console.log(`rates v${out.version}${out.updatedBy ? ` (by ${out.updatedBy} at ${out.updatedAt})` : ' (none configured: no converted totals)'}; base ${out.base}`);
        console.log(table(Object.entries(out.rates).map(([currency, rate]) => ({ currency, rate })), ['currency', 'rate']));
      }
      return 0;
    }
    const rates: Record<string, unknown> = {};
    for (const p of positionals) {
      const m = /^([^=]+)=(.*)$/.exec(p);
      if (!m) {
        console.error(`"${p}" is not CUR=RATE (e.g. EUR=1.08)\n${usage}`);
        return 2;
      }
      rates[m[1]] = m[2].trim() === '' || Number.isNaN(Number(m[2])) ? m[2] : Number(m[2]);
    }
    const doc = await metrics.setRates(values.as ?? `cli:${os.userInfo().username}`, { base: values.base, rates });
    console.log(`rates v${doc.version} saved: base ${doc.base}, ${Object.keys(doc.rates).length} rate(s)`);
    return 0;
  } catch (e) {
    return fieldErrors(e);
  } finally {
    await rt.close();
  }
}

/** `dealflow metrics rebuild`: the reconcile of POST /v1/admin/metrics/rebuild, from the command line. */
async function metricsCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } } });
  if (sub !== 'rebuild') {
    console.error('usage: dealflow metrics rebuild [--dry-run] [--json]');
    return 2;
  }
  const rt = await createClientRuntime(config(), { followRoster: false });
  try {
    const { FactsStore } = require('../../activities/metrics/facts-store') as typeof import('../../activities/metrics/facts-store');
    const { archiveReader, reconcileMetrics } = require('../../activities/metrics/facts.activities') as typeof import('../../activities/metrics/facts.activities');
    const r = await reconcileMetrics({
      store: new FactsStore(rt.redis, rt.config.REDIS_PREFIX),
      client: rt.client,
      taskQueue: rt.config.TEMPORAL_TASK_QUEUE,
      archive: archiveReader(rt.redis, rt.config.REDIS_PREFIX),
      repair: !values['dry-run'],
    });
    if (values.json) console.log(JSON.stringify(r, null, 2));
    else {
      console.log(`${r.leads} lead(s) with facts checked; ${r.driftCount} difference(s)${r.driftCount ? (r.repaired ? ', repaired' : ' (dry run: not repaired)') : ''}`);
      if (r.drift.length) console.log(table(r.drift.map((d) => ({ ...d })), ['field', 'expected', 'stored']));
      if (r.driftCount > r.drift.length) console.log(`… and ${r.driftCount - r.drift.length} more`);
      console.log(`totals: ${Object.entries(r.totals).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      if (r.unreadable.length) console.log(`unreadable facts (left as they are): ${r.unreadable.join(', ')}`);
      if (r.staleFacts.count) console.log(`${r.staleFacts.count} closed lead(s) still on the board in their facts${r.repaired ? `, ${r.staleFacts.repaired} rewritten from the archive` : ''}: ${r.staleFacts.ids.join(', ')}`);
      if (r.withoutFacts.count) console.log(`${r.withoutFacts.count} open lead(s) have no facts yet (from visibility): ${r.withoutFacts.ids.join(', ')}`);
    }
    return r.driftCount || r.staleFacts.count ? 1 : 0;
  } finally {
    await rt.close();
  }
}

/** The daily task digest and metrics reconcile are Temporal Schedules; creating them is idempotent, so every worker start ensures them. */
async function startDigestSchedule(cfg: Config, log: { warn(o: object, m: string): void }): Promise<void> {
  const { connectClient } = require('../temporal') as typeof import('../temporal');
  const { ensureDigestSchedule, ensureReconcileSchedule } = require('../schedules') as typeof import('../schedules');
  const client = await connectClient(cfg);
  try {
    await ensureDigestSchedule(client, { taskQueue: cfg.TEMPORAL_TASK_QUEUE });
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'could not ensure the digest schedule');
  }
  try {
    await ensureReconcileSchedule(client, { taskQueue: cfg.TEMPORAL_TASK_QUEUE });
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'could not ensure the metrics reconcile schedule');
  } finally {
    await client.connection.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'dev': {
      const { runDev } = require('./dev') as typeof import('./dev'); // loaded lazily: heavy
      return runDev(rest);
    }
    case 'worker': {
      const { createWorker } = require('../../workers/worker') as typeof import('../../workers/worker'); // loaded lazily: heavy
      const cfg = config();
      const w = await createWorker(cfg);
      await startDigestSchedule(cfg, w.log);
      w.log.info({ taskQueue: w.worker.options.taskQueue }, 'worker started');
      await w.run();
      return 0;
    }
    case 'api': {
      const { runApi } = require('../api/run') as typeof import('../api/run'); // loaded lazily: heavy
      await runApi(config());
      return 0;
    }
    case 'bench': {
      const { runBench } = require('../../bench/run') as typeof import('../../bench/run'); // loaded lazily: heavy
      return runBench(rest);
    }
    case 'lead':
      return leadCommand(rest);
    case 'tasks':
      return tasksCommand(rest);
    case 'thresholds':
      return thresholdsCommand(rest);
    case 'import': {
      const { importCommand } = require('./import') as typeof import('./import');
      return importCommand(rest, config());
    }
    case 'report':
      return reportCommand(rest);
    case 'rates':
      return ratesCommand(rest);
    case 'metrics':
      return metricsCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return cmd ? 0 : 2;
    default:
      console.error(`unknown command "${cmd}"\n\n${USAGE}`);
      return 2;
  }
}
