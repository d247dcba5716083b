/**
 * A smoke of `dealflow bench` (issue #7), as CI runs it: a handful of leads on the suite's Temporal
 * dev server and Redis. It checks the shape of the JSON line and that every lead did everything its
 * automations must do — not how fast: timings on a shared machine are no test.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { BenchResult } from '../../bench/run';
import { EMAILS_PER_LEAD, MOVES_PER_LEAD, TASKS_PER_LEAD } from '../../bench/plan';

const ROOT = path.resolve(__dirname, '../..');

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/dealflow.js'), 'bench', ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
        REDIS_URL: process.env.TEST_REDIS_URL,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('dealflow bench --json (smoke)', () => {
  const LEADS = 4;
  const IDLE = 20;
  let result: BenchResult;
  let run: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    run = await runBench(['--leads', String(LEADS), '--idle', String(IDLE), '--concurrency', String(LEADS), '--json']);
    const last = run.stdout.trim().split('\n').pop() ?? '';
    try {
      result = JSON.parse(last) as BenchResult;
    } catch {
      throw new Error(`the last stdout line is not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
    }
  }, 300_000);

  it('exits 0 and ends stdout with one JSON object carrying the issue’s fields', () => {
    expect(run.code).toBe(0);
    for (const k of [
      'leads',
      'seconds',
      'leadsPerSecond',
      'baselinePerSecond',
      'ratio',
      'taskLatencyMs',
      'rssPerOpenLeadKb',
    ] as const) {
      expect(result).toHaveProperty(k);
    }
    expect(Object.keys(result.taskLatencyMs)).toEqual(expect.arrayContaining(['p50', 'p95', 'p99']));
    expect(result.leads).toBe(LEADS);
  });

  it('completes every lead through every stage with all of its emails and tasks', () => {
    expect(result.completed).toBe(LEADS);
    expect(result.failed).toBe(0);
    expect(result.errors).toEqual([]);
    expect(result.counts.emails).toBe(LEADS * EMAILS_PER_LEAD);
    expect(result.counts.tasks).toBe(LEADS * TASKS_PER_LEAD);
    expect(result.counts.moves).toBe(LEADS * MOVES_PER_LEAD);
    expect(result.counts.apiListedTasks).toBeGreaterThan(0);
    // one latency sample per stage entry task (research, demo, objection, closing)
    expect(result.taskLatencyMs.samples).toBe(LEADS * 4);
  });

  it('runs the baseline with the same updates and activities per lead', () => {
    expect(result.perLead.updates).toBe(MOVES_PER_LEAD);
    expect(result.perLead.activities).toBeGreaterThan(0);
    expect(result.perLead.timers).toBeGreaterThan(0);
    expect(result.counts.baselineActivities).toBe(LEADS * result.perLead.activities);
  });

  it('reports positive rates, and memory figures for the idle leads', () => {
    for (const k of [
      'seconds',
      'leadsPerSecond',
      'stageMovesPerSecond',
      'activitiesPerSecond',
      'emailsPerSecond',
      'baselinePerSecond',
      'ratio',
    ] as const) {
      expect(result[k]).toBeGreaterThan(0);
    }
    expect(result.taskLatencyMs.p99).toBeGreaterThanOrEqual(result.taskLatencyMs.p50);
    expect(result.idle?.leads).toBe(IDLE);
    expect(result.enrol.bareLoop?.perSecond).toBeGreaterThan(0);
    expect(result.enrol.bulk?.leads).toBe(IDLE);
    expect(result.enrol.bulk?.perSecond).toBeGreaterThan(0);
    // a delta over 20 leads is within the noise of a GC'd heap: finite, not necessarily positive
    expect(Number.isFinite(result.rssPerOpenLeadKb)).toBe(true);
    expect(Number.isFinite(result.heapPerOpenLeadKb)).toBe(true);
  });
});
