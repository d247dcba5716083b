/**
 * `dealflow bench`: registers the command; the benchmark is bench/run.ts (BENCHMARKS.md). The CLI
 * does not depend on the benchmark: bench/ is a tool on top of the layers (docs/ARCHITECTURE.md,
 * "Layers"), loaded at run time by its path (the same in the sources and in dist/), and its options'
 * shape is defined here, where they are parsed.
 */
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { wholeNumber, type runner } from '../shared';

/** `dealflow bench`'s options, parsed and checked here. */
export interface BenchOptions {
  /** leads driven through every stage, and as many baseline workflows */
  leads: number;
  /** leads enrolled and left idle, for the worker's memory per open lead; 0 skips */
  idle: number;
  /** leads in flight at once, on both sides (at least 1) */
  concurrency: number;
  json?: boolean;
  cpuProf?: boolean;
  /** Temporal WorkerOptions as JSON, for both workers */
  workerOptions?: string;
}

/** bench/run.ts, from cli/commands/ in either tree (sources or dist/) */
const BENCH_RUN = path.join(__dirname, '..', '..', 'bench', 'run');

function json(v: string): string {
  try {
    JSON.parse(v);
  } catch (e) {
    throw new InvalidArgumentError(`Not JSON: ${(e as Error).message}.`);
  }
  return v;
}

export function registerBench(program: Command, run: ReturnType<typeof runner>): void {
  program
    .command('bench')
    .description('benchmark dealflow against raw Temporal on a local stack (BENCHMARKS.md)')
    .option('--leads <n>', 'leads driven through every stage, and as many baseline workflows', wholeNumber, 2000)
    .option(
      '--idle <n>',
      "leads enrolled with a bare client.workflow.start loop and left idle on timers, for the worker's memory per open lead; 0 skips",
      wholeNumber,
      10_000,
    )
    .option('--concurrency <n>', 'leads in flight at once, on both sides', wholeNumber, 500)
    .option('--json', 'the last line of stdout is one JSON object with every figure')
    .option('--cpu-prof', 'write a V8 CPU profile of the worker process (path printed at the end)')
    .option(
      '--worker-options <json>',
      `Temporal WorkerOptions (JSON) for both workers, e.g. '{"maxCachedWorkflows":2000}'`,
      json,
    )
    .addHelpText(
      'after',
      "\nUses TEMPORAL_ADDRESS and REDIS_URL when set, else starts its own in a temp dir. Emails always go\nto the bench's own SMTP catcher (it counts and times them).",
    )
    .action(
      run((o: BenchOptions) => {
        // loaded lazily (heavy) and by path, so the CLI has no compile-time arrow to the tool
        const { runBench } = require(BENCH_RUN) as { runBench(o: BenchOptions): Promise<number> };
        return runBench(o);
      }),
    );
}
