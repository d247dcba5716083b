/**
 * `dealflow lead add|show|list|move|log|won|lost|disqualify|reindex` (README "With the CLI"): the
 * same LeadsClient as the API, without role checks (an operator tool), every change under `--as`.
 */
import { Argument, Option, type Command } from 'commander';
import { ACTIVITY_TYPES, STAGES, STATUSES, type ActivityType } from '../../config/defaults';
import type { LeadState } from '../../workflows/types';
import { actorOf, finiteNumber, table, withActor, withRuntime, type runner } from '../shared';

type Run = ReturnType<typeof runner>;

function printLead(l: LeadState): void {
  console.log(`${l.id}  ${l.name ?? ''} <${l.email}>  ${l.company ?? ''}`);
  console.log(`  stage ${l.stage}  status ${l.status}  owner ${l.owner} (${l.team})  value ${l.value} ${l.currency}`);
  console.log(
    `  last activity ${l.lastActivityAt}  escalation level ${l.escalation.level}${l.next ? `  next ${l.next.kind}${l.next.at ? ` at ${l.next.at}` : ''}` : ''}`,
  );
  if (l.score !== null) console.log(`  score ${l.score}: ${l.scoreReasons.join('; ')}`);
  console.log('  history:');
  for (const h of l.history) console.log(`    ${h.at}  ${h.type.padEnd(16)} ${h.actor.padEnd(10)} ${h.cause}`);
  if (l.tasks.length) {
    console.log('  tasks:');
    for (const t of l.tasks) console.log(`    ${t.id}  ${t.kind}  → ${t.assignee}  due ${t.dueAt}`);
  }
}

/** The lead input fields `lead add` passes through as they are (the service validates them). */
const ADD_FIELDS = [
  'email',
  'name',
  'company',
  'title',
  'owner',
  'team',
  'timezone',
  'locale',
  'id',
  'source',
  'cadence',
  'currency',
] as const;

interface AddOptions extends Partial<Record<(typeof ADD_FIELDS)[number], string>> {
  value?: number;
  as?: string;
}

export function registerLead(program: Command, run: Run): void {
  const lead = program
    .command('lead')
    .description('leads: add | show | list | move | log | won | lost | disqualify | reindex');

  withActor(
    lead
      .command('add')
      .description('start a lead (one workflow per lead)')
      .requiredOption('--email <address>', "the lead's email address")
      .option('--name <name>', "the person's name")
      .option('--company <company>', 'their company')
      .option('--title <title>', 'their job title')
      .option('--owner <rep>', 'the owning rep (default: round-robin in the team)')
      .option('--team <team>', 'the team')
      .option('--value <amount>', 'the deal value', finiteNumber)
      .option('--currency <iso>', 'ISO 4217 currency of the value')
      .option('--timezone <tz>', 'IANA time zone of the lead, for business hours')
      .addOption(new Option('--locale <locale>', 'email language').choices(['en', 'fa']))
      .option('--id <id>', 'the lead id (default: generated)')
      .option('--source <source>', 'where the lead came from')
      .option('--cadence <name>', 'the approach-stage email cadence'),
  ).action(
    run((o: AddOptions) =>
      withRuntime(async (rt) => {
        const body: Record<string, unknown> = {};
        for (const k of ADD_FIELDS) if (o[k] !== undefined) body[k] = o[k];
        if (o.value !== undefined) body.value = o.value;
        const actor = actorOf(o.as);
        const res = await rt.leads.create(body, actor, `created by ${actor} via CLI`);
        console.log(
          res.created
            ? `created lead ${res.id}${res.previousLeadId ? ` (follows closed lead ${res.previousLeadId})` : ''}`
            : `lead ${res.id} already exists (nothing started)${res.reason ? `: ${res.reason}` : ''}`,
        );
        return 0;
      }),
    ),
  );

  lead
    .command('show')
    .description("a lead's state, score, history and tasks")
    .argument('<id>', 'the lead id')
    .option('--json', 'the raw state as JSON')
    .action(
      run((id: string, o: { json?: boolean }) =>
        withRuntime(async (rt) => {
          const l = await rt.leads.get(id);
          if (o.json) console.log(JSON.stringify(l, null, 2));
          else printLead(l);
          return 0;
        }),
      ),
    );

  lead
    .command('list')
    .description('list leads')
    .addOption(new Option('--stage <stage>', 'only leads in this stage').choices(STAGES))
    .option('--owner <rep>', 'only leads this rep owns')
    .option('--team <team>', "only this team's leads")
    .addOption(new Option('--status <status>', 'only leads with this status').choices(STATUSES))
    .option('--stalled', 'only stalled leads (escalation level ≥ 1)')
    .option('--json', 'the page as JSON')
    .action(
      run((o: { stage?: string; owner?: string; team?: string; status?: string; stalled?: boolean; json?: boolean }) =>
        withRuntime(async (rt) => {
          const res = await rt.leads.list({
            stage: o.stage,
            owner: o.owner,
            team: o.team,
            status: o.status,
            stalled: o.stalled,
          });
          if (o.json) console.log(JSON.stringify(res, null, 2));
          else
            console.log(
              table(res.items as unknown as Record<string, unknown>[], [
                'id',
                'stage',
                'status',
                'owner',
                'team',
                'value',
                'currency',
                'escalationLevel',
              ]),
            );
          return 0;
        }),
      ),
    );

  withActor(
    lead
      .command('move')
      .description('move a lead to another stage (the workflow decides whether it may)')
      .argument('<id>', 'the lead id')
      .addArgument(new Argument('<stage>', 'the stage to move to').choices(STAGES))
      .option('--note <text>', 'a note for the history (in objections: the objection)'),
  ).action(
    run((id: string, stage: string, o: { note?: string; as?: string }) =>
      withRuntime(async (rt) => {
        const s = await rt.leads.move(id, stage, actorOf(o.as), o.note);
        console.log(`${s.id} is now in ${s.stage}`);
        return 0;
      }),
    ),
  );

  withActor(
    lead
      .command('log')
      .description('log a sales activity (a call, email, meeting or note) on a lead')
      .argument('<id>', 'the lead id')
      .addArgument(new Argument('<type>', 'the kind of sales activity').choices(ACTIVITY_TYPES))
      .option('--note <text>', 'what happened'),
  ).action(
    run((id: string, type: ActivityType, o: { note?: string; as?: string }) =>
      withRuntime(async (rt) => {
        await rt.leads.logActivity(id, type, actorOf(o.as), o.note);
        console.log(`${type} logged on ${id}`);
        return 0;
      }),
    ),
  );

  withActor(
    lead
      .command('won')
      .description('mark the deal won (the lead moves to follow_up)')
      .argument('<id>', 'the lead id')
      .option('--amount <amount>', 'the amount won (default: the lead value)', finiteNumber),
  ).action(
    run((id: string, o: { amount?: number; as?: string }) =>
      withRuntime(async (rt) => {
        const s = await rt.leads.won(id, actorOf(o.as), o.amount);
        console.log(`${s.id} won → ${s.stage}`);
        return 0;
      }),
    ),
  );

  for (const [name, description, done] of [
    ['lost', 'mark the deal lost', 'lost'],
    ['disqualify', 'close the lead as disqualified', 'disqualified'],
  ] as const) {
    withActor(
      lead
        .command(name)
        .description(description)
        .argument('<id>', 'the lead id')
        .requiredOption('--reason <text>', 'why'),
    ).action(
      run((id: string, o: { reason: string; as?: string }) =>
        withRuntime(async (rt) => {
          if (name === 'lost') await rt.leads.lost(id, actorOf(o.as), o.reason);
          else await rt.leads.disqualify(id, actorOf(o.as), o.reason);
          console.log(`${id} ${done}`);
          return 0;
        }),
      ),
    );
  }

  lead
    .command('reindex')
    .description(
      'record every lead (open and closed) in the address index, for leads started before it existed (README "One lead per person")',
    )
    .action(
      run(() =>
        withRuntime(async (rt) => {
          const r = await rt.leads.reindexAddresses((n) => process.stderr.write(`\r${n} leads read`));
          process.stderr.write('\n');
          console.log(
            `${r.leads} leads read; ${r.changed} address index entries added or updated; ${r.unreadable} unreadable`,
          );
          return 0;
        }),
      ),
    );
}
