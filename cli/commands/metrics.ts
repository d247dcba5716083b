/** `dealflow metrics rebuild`: the reconcile of `POST /v1/admin/metrics/rebuild`, from the command line (README "Reporting: lead facts and metrics"). */
import type { Command } from 'commander';
import { table, withRuntime, type runner } from '../shared';

export function registerMetrics(program: Command, run: ReturnType<typeof runner>): void {
  program
    .command('metrics')
    .description('the board counters and facts indexes: rebuild')
    .command('rebuild')
    .description(
      'recompute the board counters and facts indexes from the per-lead facts, print the drift (expected vs stored) and repair it; exit 1 if drift was found',
    )
    .option('--dry-run', 'only report the drift, repair nothing')
    .option('--json', 'the report as JSON')
    .action(
      run((o: { dryRun?: boolean; json?: boolean }) =>
        withRuntime(async (rt) => {
          const { FactsStore } =
            require('../../store/metrics/facts-store') as typeof import('../../store/metrics/facts-store');
          const { archiveReader, reconcileMetrics } =
            require('../../activities/metrics/facts.activities') as typeof import('../../activities/metrics/facts.activities');
          const r = await reconcileMetrics({
            store: new FactsStore(rt.redis, rt.config.REDIS_PREFIX),
            client: rt.client,
            taskQueue: rt.config.TEMPORAL_TASK_QUEUE,
            archive: archiveReader(rt.redis, rt.config.REDIS_PREFIX),
            repair: !o.dryRun,
          });
          if (o.json) console.log(JSON.stringify(r, null, 2));
          else {
            console.log(
              `${r.leads} lead(s) with facts checked; ${r.driftCount} difference(s)${r.driftCount ? (r.repaired ? ', repaired' : ' (dry run: not repaired)') : ''}`,
            );
            if (r.drift.length)
              console.log(
                table(
                  r.drift.map((d) => ({ ...d })),
                  ['field', 'expected', 'stored'],
                ),
              );
            if (r.driftCount > r.drift.length) console.log(`… and ${r.driftCount - r.drift.length} more`);
            console.log(
              `totals: ${Object.entries(r.totals)
                .map(([k, n]) => `${k} ${n}`)
                .join(', ')}`,
            );
            if (r.unreadable.length) console.log(`unreadable facts (left as they are): ${r.unreadable.join(', ')}`);
            if (r.staleFacts.count)
              console.log(
                `${r.staleFacts.count} closed lead(s) still on the board in their facts${r.repaired ? `, ${r.staleFacts.repaired} rewritten from the archive` : ''}: ${r.staleFacts.ids.join(', ')}`,
              );
            if (r.withoutFacts.count)
              console.log(
                `${r.withoutFacts.count} open lead(s) have no facts yet (from visibility): ${r.withoutFacts.ids.join(', ')}`,
              );
          }
          return r.driftCount || r.staleFacts.count ? 1 : 0;
        }),
      ),
    );
}
