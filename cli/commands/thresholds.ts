/**
 * `dealflow thresholds get|set`: the stall thresholds and escalation settings, the same versioned
 * document as `GET`/`PUT /v1/config/thresholds` (docs/CONFIG.md "Runtime configuration").
 */
import type { Command } from 'commander';
import { actorOf, keyValues, numberList, table, trueOrFalse, withActor, withRuntime, type runner } from '../shared';

interface SetOptions {
  team?: string;
  multipliers?: number[];
  autoReassign?: boolean;
  as?: string;
}

export function registerThresholds(program: Command, run: ReturnType<typeof runner>): void {
  const thresholds = program.command('thresholds').description('stall thresholds and escalation settings: get | set');

  thresholds
    .command('get')
    .description('a table: stage × global and team overrides, then the escalation settings')
    .option('--json', 'the document as JSON')
    .action(
      run((o: { json?: boolean }) =>
        withRuntime(async (rt) => {
          const { getThresholds } = require('../../client/thresholds') as typeof import('../../client/thresholds');
          const doc = await getThresholds({ redis: rt.redis, prefix: rt.config.REDIS_PREFIX });
          if (o.json) {
            console.log(JSON.stringify(doc, null, 2));
            return 0;
          }
          console.log(
            `thresholds v${doc.version}${doc.updatedBy ? ` (by ${doc.updatedBy} at ${doc.updatedAt})` : ' (defaults)'}`,
          );
          const teams = Object.keys(doc.teams);
          const rows = Object.keys(doc.global).map((stage) => ({
            stage,
            global: (doc.global as Record<string, string>)[stage],
            ...Object.fromEntries(teams.map((t) => [t, (doc.teams[t] as Record<string, string>)[stage] ?? ''])),
          }));
          console.log(table(rows, ['stage', 'global', ...teams]));
          console.log(
            `escalation: multipliers ${doc.escalation.multipliers.join(', ')}; auto-reassign ${doc.escalation.autoReassign}`,
          );
          return 0;
        }),
      ),
    );

  withActor(
    thresholds
      .command('set')
      .description('change thresholds (a new version; running leads are told of shorter ones)')
      .argument(
        '[stage=duration...]',
        'e.g. approach=5d; with --team, approach= removes the team override',
        keyValues(/^[a-z_]+$/, 'stage=duration (e.g. approach=5d)'),
      )
      .option('--team <team>', "change this team's overrides instead of the global thresholds")
      .option('--multipliers <list>', 'the three escalation multipliers, e.g. 1,2,4', numberList)
      .option('--auto-reassign <bool>', 'reassign a deal at the last escalation level: true or false', trueOrFalse),
  ).action(
    run(async (pairs: Record<string, string> | undefined, o: SetOptions, cmd: Command) => {
      const stages = Object.fromEntries(Object.entries(pairs ?? {}).map(([stage, d]) => [stage, d === '' ? null : d]));
      const patch: Record<string, unknown> = {};
      if (Object.keys(stages).length) patch[o.team ? 'teams' : 'global'] = o.team ? { [o.team]: stages } : stages;
      const escalation: Record<string, unknown> = {};
      if (o.multipliers) escalation.multipliers = o.multipliers;
      if (o.autoReassign !== undefined) escalation.autoReassign = o.autoReassign;
      if (Object.keys(escalation).length) patch.escalation = escalation;
      if (!Object.keys(patch).length)
        cmd.error('error: nothing to set: give stage=duration pairs, --multipliers or --auto-reassign');
      return withRuntime(async (rt) => {
        const { changeThresholds } = require('../../client/thresholds') as typeof import('../../client/thresholds');
        const { doc, propagation } = await changeThresholds(
          {
            redis: rt.redis,
            prefix: rt.config.REDIS_PREFIX,
            temporal: rt.client,
            taskQueue: rt.config.TEMPORAL_TASK_QUEUE,
            roster: rt.roster(),
          },
          actorOf(o.as),
          patch,
        );
        console.log(
          `thresholds v${doc.version} saved${propagation ? `; running leads are being told (${propagation})` : ''}`,
        );
        return 0;
      });
    }),
  );
}
