/**
 * The `dealflow` CLI (README "With the CLI"), on commander: dev | worker | api | lead
 * add|show|list|move|log|won|lost|disqualify|reindex | tasks | thresholds get|set | report
 * funnel|forecast|pipeline | rates get|set | metrics rebuild | import | bench. One command family per
 * file in cli/commands/; the lead, task and report commands use the same clients as the API.
 *
 * Every command and subcommand answers `--help` (without starting anything). Exit codes
 * (cli/shared.ts): 0 done, 1 failed or refused, 2 a usage error — an unknown command or
 * flag, a missing argument, a flag value that is not one of its choices or not a number, a bad
 * configuration (docs/CONFIG.md), or input the service refused field by field.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/env';
import { registerBench } from './commands/bench';
import { registerImport } from './commands/import';
import { registerLead } from './commands/lead';
import { registerMetrics } from './commands/metrics';
import { registerRates } from './commands/rates';
import { registerReport } from './commands/report';
import { registerServers } from './commands/servers';
import { registerTasks } from './commands/tasks';
import { registerThresholds } from './commands/thresholds';
import { EXIT_OK, EXIT_USAGE, processIo, runner, type CliIo } from './shared';

/**
 * The whole command tree. `state.code` receives the exit code of the action that ran. Parsing never
 * exits the process: commander's exits are thrown as CommanderError (exitOverride) for `main`.
 */
export function buildProgram(io: CliIo = processIo, state: { code: number } = { code: EXIT_OK }): Command {
  const program = new Command('dealflow')
    .description('a sales pipeline run as durable Temporal workflows')
    .usage('<command> [options]')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      '\nCommands that change something take --as NAME, the actor recorded in the history (default cli:<os user>).\n' +
        'Configuration comes from the environment (see docs/CONFIG.md).\n' +
        'Exit codes: 0 done; 1 failed or refused (the reason printed); 2 a usage error (a bad flag, argument or configuration).',
    );
  const run = runner(state);
  registerServers(program, run);
  registerLead(program, run);
  registerThresholds(program, run);
  registerTasks(program, run);
  registerImport(program, run);
  registerReport(program, run);
  registerRates(program, run);
  registerMetrics(program, run);
  registerBench(program, run);
  return program;
}

/**
 * Runs one command line (without `node` and the script) and resolves with its exit code. Help and
 * usage errors are written to `io`; a failure the command does not handle rejects (bin/dealflow.js
 * prints it, exit 1).
 */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const state = { code: EXIT_OK };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help, -h and `dealflow help …` exit 0; help shown for a missing command and every parse error is a usage error
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (e instanceof ConfigError) {
      console.error(e.message);
      return EXIT_USAGE;
    }
    throw e;
  }
}
