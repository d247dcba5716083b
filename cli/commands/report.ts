/**
 * `dealflow report funnel|forecast|pipeline`: the same numbers as the API's reports, from the lead
 * facts, as tables (README "Reporting: lead facts and metrics").
 */
import type { Command } from 'commander';
import { ValidationError } from '../../store/request-errors';
import { formatConverted, formatTotals } from '../../client/metrics/money';
import { metricsOf, table, withRuntime, type runner } from '../shared';

const pct = (n: number | null) => (n === null ? '–' : `${Math.round(n * 1000) / 10}%`);

/** Per-currency amounts for the report tables: `¥10,000,000 · €60,000.00` (client/metrics/money.ts). */
const moneyCell = formatTotals;

export function registerReport(program: Command, run: ReturnType<typeof runner>): void {
  const report = program.command('report').description('reports: funnel | forecast | pipeline');
  const forTeam = (team: string | undefined) => (team ? ` (team ${team})` : '');

  report
    .command('funnel')
    .description('the funnel of leads created in a period (default: the last 90 days)')
    .option('--from <date>', 'ISO-8601 date or time the period starts')
    .option('--to <date>', 'ISO-8601 date or time the period ends (default: now)')
    .option('--team <team>', "only this team's leads")
    .option('--json', 'the report as JSON')
    .action(
      run((o: { from?: string; to?: string; team?: string; json?: boolean }, cmd: Command) =>
        withRuntime(async (rt) => {
          const { periodRange } =
            require('../../client/metrics/service') as typeof import('../../client/metrics/service');
          let range: ReturnType<typeof periodRange>;
          try {
            range = periodRange({ from: o.from, to: o.to });
          } catch (e) {
            if (!(e instanceof ValidationError)) throw e;
            return cmd.error(`error: ${e.details.map((d) => `--${d.path}: ${d.message}`).join('; ')}`);
          }
          const f = await metricsOf(rt).funnel(range, o.team);
          if (o.json) console.log(JSON.stringify(f, null, 2));
          else {
            console.log(`funnel ${f.from} → ${f.to}${forTeam(o.team)}: leads created in the period`);
            console.log(
              table(
                f.stages.map((s) => ({
                  ...s,
                  conversion: pct(s.conversion),
                  medianTimeInStageHours: s.medianTimeInStageHours ?? '–',
                })),
                ['stage', 'entered', 'advanced', 'conversion', 'medianTimeInStageHours'],
              ),
            );
            console.log(
              `closed in the period: won ${f.won}, lost ${f.lost}, win rate ${pct(f.winRate)}, median cycle ${f.medianCycleDays ?? '–'} days`,
            );
          }
          return 0;
        }),
      ),
    );

  report
    .command('forecast')
    .description('the weighted pipeline by stage, per currency')
    .option('--team <team>', "only this team's leads")
    .option('--json', 'the report as JSON')
    .action(
      run((o: { team?: string; json?: boolean }) =>
        withRuntime(async (rt) => {
          const f = await metricsOf(rt).forecast(o.team);
          if (o.json) console.log(JSON.stringify(f, null, 2));
          else {
            const rows = f.byStage.map((s) => ({
              stage: s.stage,
              values: moneyCell(s.values),
              probability: pct(s.probability),
              weighted: moneyCell(s.weightedValues),
              converted: formatConverted(s.weightedConverted),
            }));
            console.log(
              table(rows, [
                'stage',
                'values',
                'probability',
                'weighted',
                ...(f.weightedConverted ? ['converted'] : []),
              ]),
            );
            console.log(`total ${moneyCell(f.totals)}; weighted ${moneyCell(f.weightedTotals)}${forTeam(o.team)}`);
            if (f.converted)
              console.log(
                `converted: total ${formatConverted(f.converted)}; weighted ${formatConverted(f.weightedConverted)}`,
              );
          }
          return 0;
        }),
      ),
    );

  report
    .command('pipeline')
    .description('the board: deals and value per stage, per currency')
    .option('--team <team>', "only this team's leads")
    .option('--json', 'the report as JSON')
    .action(
      run((o: { team?: string; json?: boolean }) =>
        withRuntime(async (rt) => {
          const p = await metricsOf(rt).pipeline(o.team);
          if (o.json) console.log(JSON.stringify(p, null, 2));
          else {
            const rows = p.stages.map((s) => ({
              ...s,
              values: moneyCell(s.values),
              converted: formatConverted(s.converted),
            }));
            console.log(
              table(rows, [
                'stage',
                'count',
                'values',
                'atRisk',
                'stalled',
                ...(rows.some((r) => r.converted) ? ['converted'] : []),
              ]),
            );
          }
          return 0;
        }),
      ),
    );
}
