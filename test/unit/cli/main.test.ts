/**
 * The `dealflow` command line, parsed without any service: every command's --help, usage errors
 * (exit 2 naming the flag, nothing opened), and what a valid command line hands to the clients.
 * The runtime, the servers and the benchmark are replaced by recorders, so a test also proves what
 * did NOT start (jest hoists the jest.mock calls above the imports).
 */
import type { Command } from 'commander';
import { buildProgram, main } from '../../../cli/main';
import { ValidationError } from '../../../store/request-errors';

const calls: { fn: string; args: unknown[] }[] = [];
const record =
  (fn: string) =>
  (...args: unknown[]) =>
    void calls.push({ fn, args });

const fakeRuntime = {
  config: { REDIS_PREFIX: 't:', TEMPORAL_TASK_QUEUE: 'q' },
  redis: {},
  client: {},
  roster: () => ({}),
  leads: {
    create: jest.fn(async (body: { id?: string }) => ({ created: true, id: body.id ?? 'generated' })),
    move: jest.fn(async (id: string, stage: string) => ({ id, stage })),
    won: jest.fn(async (id: string) => ({ id, stage: 'follow_up' })),
    lost: jest.fn(async () => undefined),
    logActivity: jest.fn(async () => undefined),
    list: jest.fn(async () => ({ items: [] })),
  },
  tasks: { list: jest.fn(async () => ({ items: [] })) },
  close: jest.fn(async () => undefined),
};

jest.mock('../../../client/runtime', () => ({
  createClientRuntime: jest.fn(async (...args: unknown[]) => {
    record('createClientRuntime')(...args);
    return fakeRuntime;
  }),
}));
jest.mock('../../../client/thresholds', () => ({
  changeThresholds: jest.fn(async (_deps: unknown, actor: string, patch: unknown) => {
    record('changeThresholds')(actor, patch);
    if (JSON.stringify(patch).includes('"0s"'))
      throw new ValidationError('invalid thresholds', [
        { path: 'global.approach', message: 'must be longer than zero' },
      ]);
    return { doc: { version: 2 }, propagation: null };
  }),
  getThresholds: jest.fn(),
}));
jest.mock('../../../workers/worker', () => ({
  createWorker: jest.fn(async (...a: unknown[]) => record('createWorker')(...a)),
}));
jest.mock('../../../cli/run-api', () => ({
  runApi: jest.fn(async (...a: unknown[]) => record('runApi')(...a)),
  startApi: jest.fn(),
}));
jest.mock('../../../devstack/services', () => ({
  startTemporalDevServer: jest.fn(async (...a: unknown[]) => record('startTemporalDevServer')(...a)),
  startRedis: jest.fn(async (...a: unknown[]) => record('startRedis')(...a)),
  startMailCatcher: jest.fn(async (...a: unknown[]) => record('startMailCatcher')(...a)),
}));
jest.mock('../../../bench/run', () => ({ runBench: jest.fn(async (opts: unknown) => (record('runBench')(opts), 0)) }));

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs one command line; commander's output and the commands' console output are captured. */
async function cli(...argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (err += `${a.join(' ')}\n`));
  try {
    const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
    return { code, out, err };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

const ENV = { ...process.env };
beforeEach(() => {
  calls.length = 0;
  jest.clearAllMocks();
  process.env = { ...ENV };
  for (const k of Object.keys(process.env))
    if (/^(TEMPORAL_|REDIS_|SMTP_|API_KEYS|PUBLIC_BASE_URL|HTTP_|DEALFLOW_ENV_FILE)/.test(k)) delete process.env[k];
});
afterAll(() => {
  process.env = ENV;
});

/** Every command path in the tree, e.g. ['lead', 'move']. */
function paths(cmd: Command, prefix: string[] = []): { path: string[]; cmd: Command }[] {
  return cmd.commands.flatMap((c) => [{ path: [...prefix, c.name()], cmd: c }, ...paths(c, [...prefix, c.name()])]);
}

describe('--help', () => {
  const all = paths(buildProgram());

  test('the tree has every command of the README, and nothing else', () => {
    expect(all.map((p) => p.path.join(' ')).sort()).toEqual(
      [
        'api',
        'bench',
        'dev',
        'import',
        'worker',
        'tasks',
        'lead',
        'lead add',
        'lead show',
        'lead list',
        'lead move',
        'lead log',
        'lead won',
        'lead lost',
        'lead disqualify',
        'lead reindex',
        'thresholds',
        'thresholds get',
        'thresholds set',
        'report',
        'report funnel',
        'report forecast',
        'report pipeline',
        'rates',
        'rates get',
        'rates set',
        'metrics',
        'metrics rebuild',
      ].sort(),
    );
  });

  test.each(paths(buildProgram()).map((p) => [p.path.join(' '), p] as const))(
    'dealflow %s --help prints its usage and every option, exit 0, runs nothing',
    async (_name, { path, cmd }) => {
      const r = await cli(...path, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: dealflow ${path.join(' ')}`);
      for (const o of cmd.options) expect(r.out).toContain(o.flags);
      for (const a of cmd.registeredArguments) expect(r.out).toContain(a.name());
      expect(r.err).toBe('');
      expect(calls).toEqual([]);
    },
  );

  test('worker --help and api --help print help instead of starting a server', async () => {
    for (const name of ['worker', 'api']) {
      const r = await cli(name, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: dealflow ${name} \\[options\\]`));
    }
    expect(calls).toEqual([]);
  });

  test('the top-level help lists the commands, the flags of the choice-taking options, and the exit codes', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const c of [
      'dev',
      'worker',
      'api',
      'lead',
      'thresholds',
      'tasks',
      'import',
      'report',
      'rates',
      'metrics',
      'bench',
    ])
      expect(r.out).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect(r.out).toContain('Exit codes: 0 done; 1 failed or refused');
    expect((await cli('help', 'lead')).out).toContain('Usage: dealflow lead');
    expect((await cli('lead', 'list', '--help')).out).toMatch(/--stage <stage>.*\n?.*choices: "prospecting"/);
    expect((await cli('thresholds', 'set', '-h')).out).toContain('--auto-reassign <bool>');
  });

  test('no command, or a family without its subcommand, prints the help on stderr with exit 2', async () => {
    const none = await cli();
    expect(none).toMatchObject({ code: 2, out: '' });
    expect(none.err).toContain('Usage: dealflow <command>');
    const lead = await cli('lead');
    expect(lead.code).toBe(2);
    expect(lead.err).toContain('Usage: dealflow lead');
  });
});

describe('usage errors: exit 2, the flag or argument named, nothing opened', () => {
  test.each([
    [
      ['thresholds', 'set', '--auto-reassign', 'yes'],
      /option '--auto-reassign <bool>' argument 'yes' is invalid\. Must be true or false/,
    ],
    [['thresholds', 'set', '--multipliers', '1,x,3'], /option '--multipliers <list>' argument '1,x,3' is invalid/],
    [
      ['thresholds', 'set', 'approach'],
      /value 'approach' is invalid for argument 'stage=duration'\. "approach" is not stage=duration/,
    ],
    [
      ['lead', 'list', '--stage', 'warp'],
      /option '--stage <stage>' argument 'warp' is invalid\. Allowed choices are prospecting, preparation/,
    ],
    [['lead', 'list', '--status', 'sleeping'], /option '--status <status>' argument 'sleeping' is invalid/],
    [['lead', 'move', 'X', 'warp'], /value 'warp' is invalid for argument 'stage'\. Allowed choices are prospecting/],
    [
      ['lead', 'log', 'X', 'fax'],
      /value 'fax' is invalid for argument 'type'\. Allowed choices are call, email, meeting, note/,
    ],
    [
      ['lead', 'add', '--email', 'a@b.example', '--value', 'lots'],
      /option '--value <amount>' argument 'lots' is invalid\. Must be a number/,
    ],
    [
      ['lead', 'add', '--email', 'a@b.example', '--locale', 'de'],
      /option '--locale <locale>' argument 'de' is invalid/,
    ],
    [['lead', 'won', 'X', '--amount', '12abc'], /option '--amount <amount>' argument '12abc' is invalid/],
    [['lead', 'add'], /required option '--email <address>' not specified/],
    [['lead', 'lost', 'X'], /required option '--reason <text>' not specified/],
    [['lead', 'disqualify', 'X'], /required option '--reason <text>' not specified/],
    [['lead', 'move', 'X'], /missing required argument 'stage'/],
    [['lead', 'show'], /missing required argument 'id'/],
    [['lead', 'show', 'a', 'b'], /too many arguments for 'show'/],
    [['lead', 'frobnicate'], /unknown command 'frobnicate'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [
      ['tasks', '--status', 'late'],
      /option '--status <status>' argument 'late' is invalid\. Allowed choices are open, done, all/,
    ],
    [['tasks', '--bogus'], /unknown option '--bogus'/],
    [['lead', 'show', 'X', '--note', 'n'], /unknown option '--note'/],
    [['report', 'funnel', '--stage', 'x'], /unknown option '--stage'/],
    [['rates', 'set', '--base', 'USD', 'EUR'], /"EUR" is not CUR=RATE/],
    [['metrics', 'rebuild', '--dry'], /unknown option '--dry'/],
    [['import'], /missing required argument 'file'/],
    [['import', 'f.csv', '--delimiter', 'x'], /option '--delimiter <d>' argument 'x' is invalid/],
    [
      ['import', 'f.csv', '--encoding', 'klingon'],
      /option '--encoding <name>' argument 'klingon' is invalid\. Unknown encoding/,
    ],
    [['bench', '--leads', 'many'], /option '--leads <n>' argument 'many' is invalid\. Must be a whole number/],
    [['bench', '--idle', '-1'], /option '--idle <n>' argument '-1' is invalid/],
    [['bench', '--concurrency', '2.5'], /option '--concurrency <n>' argument '2.5' is invalid/],
    [
      ['bench', '--worker-options', '{nope'],
      /option '--worker-options <json>' argument '\{nope' is invalid\. Not JSON/,
    ],
    [['dev', '--temporal-port', '70000'], /option '--temporal-port <port>' argument '70000' is invalid/],
    [['dev', '--redis-port', 'six'], /option '--redis-port <port>' argument 'six' is invalid/],
    [['worker', 'now'], /too many arguments for 'worker'/],
    [['api', '--port', '1'], /unknown option '--port'/],
  ])('dealflow %j', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
    expect(calls).toEqual([]); // no runtime, server, service or bench started
  });

  test('thresholds set with nothing to set is a usage error', async () => {
    const r = await cli('thresholds', 'set', '--team', 'alpha');
    expect(r.code).toBe(2);
    expect(r.err).toContain('nothing to set');
    expect(calls).toEqual([]);
  });

  test('report funnel: a bad --from names the flag', async () => {
    const r = await cli('report', 'funnel', '--from', 'yesterday');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--from: "yesterday" is not an ISO-8601 date or time');
  });

  test('an invalid configuration prints every bad variable, exit 2, before anything connects', async () => {
    process.env.REDIS_URL = 'notaurl';
    process.env.HTTP_PORT = 'eighty';
    for (const argv of [['tasks'], ['api'], ['worker'], ['lead', 'show', 'X']]) {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain('invalid configuration');
      expect(r.err).toContain('REDIS_URL: Invalid URL');
      expect(r.err).toContain('HTTP_PORT');
    }
    expect(calls).toEqual([]);
  });

  test('dealflow dev checks the configuration before it starts a service', async () => {
    process.env.PUBLIC_BASE_URL = 'notaurl';
    const r = await cli('dev', '--data-dir', '/nonexistent/dealflow-dev');
    expect(r.code).toBe(2);
    expect(r.err).toContain('PUBLIC_BASE_URL: Invalid URL');
    expect(calls).toEqual([]); // no Temporal, Redis or SMTP catcher started
  });
});

describe('what a valid command line hands on', () => {
  test('thresholds set: pairs, a removed override, multipliers and auto-reassign make one patch under --as', async () => {
    const r = await cli(
      'thresholds',
      'set',
      '--team',
      'alpha',
      'approach=5d',
      'presentation=',
      '--multipliers',
      '1,2,4',
      '--auto-reassign',
      'false',
      '--as',
      'mia',
    );
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('thresholds v2 saved');
    expect(calls.find((c) => c.fn === 'changeThresholds')?.args).toEqual([
      'mia',
      {
        teams: { alpha: { approach: '5d', presentation: null } },
        escalation: { multipliers: [1, 2, 4], autoReassign: false },
      },
    ]);
    expect(fakeRuntime.close).toHaveBeenCalledTimes(1);
  });

  test('input the service refuses field by field prints each field, exit 2, and the runtime is closed', async () => {
    const r = await cli('thresholds', 'set', 'approach=0s');
    expect(r.code).toBe(2);
    expect(r.err).toContain('global.approach: must be longer than zero');
    expect(fakeRuntime.close).toHaveBeenCalledTimes(1);
  });

  test('lead add, move, won and log pass parsed values', async () => {
    expect(
      (
        await cli(
          'lead',
          'add',
          '--email',
          'ada@example.com',
          '--value',
          '12.5',
          '--locale',
          'fa',
          '--id',
          'ada-1',
          '--as',
          'bob',
        )
      ).code,
    ).toBe(0);
    expect(fakeRuntime.leads.create).toHaveBeenCalledWith(
      { email: 'ada@example.com', value: 12.5, locale: 'fa', id: 'ada-1' },
      'bob',
      'created by bob via CLI',
    );
    expect((await cli('lead', 'move', 'ada-1', 'closing', '--note', 'ready', '--as', 'bob')).out).toContain(
      'ada-1 is now in closing',
    );
    expect(fakeRuntime.leads.move).toHaveBeenCalledWith('ada-1', 'closing', 'bob', 'ready');
    await cli('lead', 'won', 'ada-1', '--amount', '9000', '--as', 'bob');
    expect(fakeRuntime.leads.won).toHaveBeenCalledWith('ada-1', 'bob', 9000);
    await cli('lead', 'log', 'ada-1', 'call', '--as', 'bob');
    expect(fakeRuntime.leads.logActivity).toHaveBeenCalledWith('ada-1', 'call', 'bob', undefined);
    await cli('lead', 'list', '--stage', 'approach', '--stalled');
    expect(fakeRuntime.leads.list).toHaveBeenCalledWith({
      stage: 'approach',
      owner: undefined,
      team: undefined,
      status: undefined,
      stalled: true,
    });
  });

  test('tasks defaults to open; bench gets numbers and its defaults', async () => {
    await cli('tasks', '--team', 'beta');
    expect(fakeRuntime.tasks.list).toHaveBeenCalledWith({
      assignee: undefined,
      team: 'beta',
      status: 'open',
      limit: 200,
    });
    expect((await cli('bench', '--leads', '4', '--json')).code).toBe(0);
    expect(calls.find((c) => c.fn === 'runBench')?.args[0]).toEqual({
      leads: 4,
      idle: 10_000,
      concurrency: 500,
      json: true,
    });
  });

  test('a failure the command does not handle propagates (bin/dealflow.js prints it, exit 1)', async () => {
    fakeRuntime.leads.lost.mockRejectedValueOnce(new Error('lead X is closed'));
    await expect(cli('lead', 'lost', 'X', '--reason', 'no budget')).rejects.toThrow('lead X is closed');
    expect(fakeRuntime.close).toHaveBeenCalledTimes(1);
  });
});
