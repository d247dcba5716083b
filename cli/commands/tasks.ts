/** `dealflow tasks`: the rep tasks in the task store (README "How tasks reach people"). */
import os from 'node:os';
import { Option, type Command } from 'commander';
import { table, withRuntime, type runner } from '../shared';

export function registerTasks(program: Command, run: ReturnType<typeof runner>): void {
  program
    .command('tasks')
    .description("list rep tasks (without --assignee or --team: the OS user's)")
    .option('--assignee <id>', 'only tasks for this rep')
    .option('--team <team>', "only this team's tasks")
    .addOption(new Option('--status <status>', 'which tasks').choices(['open', 'done', 'all']).default('open'))
    .option('--json', 'the page as JSON')
    .action(
      run((o: { assignee?: string; team?: string; status: 'open' | 'done' | 'all'; json?: boolean }) =>
        withRuntime(async (rt) => {
          const assignee = o.assignee ?? (o.team ? undefined : os.userInfo().username);
          const res = await rt.tasks.list({ assignee, team: o.team, status: o.status, limit: 200 });
          if (o.json) console.log(JSON.stringify(res, null, 2));
          else
            console.log(
              table(res.items as unknown as Record<string, unknown>[], [
                'id',
                'assignee',
                'kind',
                'dueAt',
                'priority',
                'status',
                'title',
              ]),
            );
          return 0;
        }),
      ),
    );
}
