/**
 * The task store (README "How tasks reach people") in Redis. Creation is atomic and idempotent (SET NX in one Lua script
 * with the indexes and the `dealflow:tasks` stream event), so a retried or replayed activity never
 * makes a second task or a second event.
 *
 * Keys (prefix `dealflow:` by default):
 *   task:<id>                    JSON of the task
 *   tasks:open:<assignee>        zset dueAt → id (open tasks only)
 *   tasks:all:<assignee>         zset dueAt → id (every task ever assigned)
 *   tasks:team:<team>            zset dueAt → id
 *   tasks:lead:<leadId>          zset createdAt → id
 *   stream dealflow:tasks        one event per create / complete / cancel / reassign
 *
 * Complete, cancel and reassign are Lua scripts that act only on an `open` task, so they are
 * idempotent and race-free against each other (docs/TASK-EVENTS.md).
 */
import type Redis from 'ioredis';
import type { NewTask, Task, TaskStatus } from './task';
import { zsetPage } from '../paging';
import { InvalidInputError, scriptRefusal } from '../errors';
import { redisScript, runScript } from '../redis-scripts';

/** Input checks shared by the scripts: every one validates all its inputs before its first write. */
const CHECKS = `
local function int(s) return type(s) == 'string' and string.find(s, '^%-?%d+$') ~= nil and #s <= 16 end
local function obj(s) return type(s) == 'string' and string.sub(s, 1, 1) == '{' end
local function given(s) return type(s) == 'string' and s ~= '' end
`;

/** KEYS: task, open-zset, all-zset, team-zset, lead-zset, stream; ARGV: json, due ms, id, created ms, at, maxlen */
const CREATE = redisScript(
  'df_task_store_CREATE',
  6,
  `${CHECKS}
if not (obj(ARGV[1]) and int(ARGV[2]) and given(ARGV[3]) and int(ARGV[4]) and given(ARGV[5]) and int(ARGV[6])) then
  return redis.error_reply('INVALID task: json, due, id, createdAt, at and maxlen are required (times in ms)')
end
local ok = redis.call('SET', KEYS[1], ARGV[1], 'NX')
if not ok then return {0, redis.call('GET', KEYS[1])} end
local due = tonumber(ARGV[2])
redis.call('ZADD', KEYS[2], due, ARGV[3])
redis.call('ZADD', KEYS[3], due, ARGV[3])
redis.call('ZADD', KEYS[4], due, ARGV[3])
redis.call('ZADD', KEYS[5], tonumber(ARGV[4]), ARGV[3])
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[6], '*', 'type', 'task.created', 'taskId', ARGV[3], 'task', ARGV[1], 'at', ARGV[5])
return {1, ARGV[1]}
`,
);

/**
 * Completes or cancels one task, atomically: it validates every input before its first write, then
 * changes the task only while it is `open`, so of a concurrent complete and cancel exactly one takes
 * effect (whichever runs first) and the other no-ops; a repeat adds no second stream event.
 * The open-zset key is derived here from the task's assignee as stored (a claim may have moved it).
 * KEYS: task, stream; ARGV: new status, at, actor, id, maxlen, prefix, reason
 * Returns {1, task} changed, {0, task} not open (unchanged), {-1, ''} no such task; bad input is an
 * INVALID error reply before any write.
 */
const FINISH = redisScript(
  'df_task_store_FINISH',
  2,
  `${CHECKS}
if not ((ARGV[1] == 'done' or ARGV[1] == 'cancelled') and given(ARGV[2]) and given(ARGV[3]) and given(ARGV[4]) and int(ARGV[5]) and given(ARGV[6])) then
  return redis.error_reply('INVALID task change: status done|cancelled, at, actor, id, maxlen and prefix are required')
end
local raw = redis.call('GET', KEYS[1])
if not raw then return {-1, ''} end
local okd, t = pcall(cjson.decode, raw)
if not okd or type(t) ~= 'table' or type(t['assignee']) ~= 'string' then return redis.error_reply('INVALID stored task ' .. ARGV[4]) end
if t['status'] ~= 'open' then return {0, raw} end
t['status'] = ARGV[1]
if ARGV[1] == 'done' then
  t['completedAt'] = ARGV[2]; t['completedBy'] = ARGV[3]
else
  t['cancelledAt'] = ARGV[2]; t['cancelledBy'] = ARGV[3]
  if ARGV[7] ~= '' then t['cancelReason'] = ARGV[7] end
end
local out = cjson.encode(t)
redis.call('SET', KEYS[1], out)
redis.call('ZREM', ARGV[6] .. 'tasks:open:' .. t['assignee'], ARGV[4])
if ARGV[1] == 'done' then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'type', 'task.completed', 'taskId', ARGV[4], 'task', out, 'at', ARGV[2])
else
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'type', 'task.cancelled', 'taskId', ARGV[4], 'task', out, 'at', ARGV[2], 'reason', ARGV[7])
end
return {1, out}
`,
);

/**
 * Reassigns one open task. With a non-empty ARGV[7] it moves the task only while that is still its
 * assignee (a claim from `queue:<team>`: of two racing claims only the first takes it).
 * KEYS: task, new-open-zset, stream; ARGV: to, at, actor, id, maxlen, prefix, expected-from
 */
const REASSIGN = redisScript(
  'df_task_store_REASSIGN',
  3,
  `${CHECKS}
if not (given(ARGV[1]) and given(ARGV[2]) and given(ARGV[3]) and given(ARGV[4]) and int(ARGV[5]) and given(ARGV[6])) then
  return redis.error_reply('INVALID task reassignment: to, at, actor, id, maxlen and prefix are required')
end
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local okd, t = pcall(cjson.decode, raw)
if not okd or type(t) ~= 'table' then return redis.error_reply('INVALID stored task ' .. ARGV[4]) end
if t['status'] ~= 'open' or t['assignee'] == ARGV[1] then return 0 end
if ARGV[7] ~= '' and t['assignee'] ~= ARGV[7] then return 0 end
local from = t['assignee']
t['assignee'] = ARGV[1]
local out = cjson.encode(t)
redis.call('SET', KEYS[1], out)
local due = redis.call('ZSCORE', ARGV[6] .. 'tasks:open:' .. from, ARGV[4])
redis.call('ZREM', ARGV[6] .. 'tasks:open:' .. from, ARGV[4])
redis.call('ZADD', KEYS[2], due or 0, ARGV[4])
redis.call('ZADD', ARGV[6] .. 'tasks:all:' .. ARGV[1], due or 0, ARGV[4])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'type', 'task.reassigned', 'taskId', ARGV[4], 'task', out, 'at', ARGV[2], 'from', from)
return 1
`,
);

export interface ListOptions {
  assignee?: string;
  team?: string;
  status?: TaskStatus | 'all';
  limit?: number;
  cursor?: string;
}

/** A task id the store does not hold (error code `not_found`, docs/ERRORS.md). */
export class TaskNotFoundError extends Error {
  override name = 'TaskNotFoundError';
  readonly code = 'not_found' as const;
}

export class TaskStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'dealflow:',
    private readonly streamMaxLen = 1_000_000,
  ) {}

  get streamKey(): string {
    return `${this.prefix}tasks`;
  }

  private k(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /** Creates the task unless one with its id exists; returns the stored task and whether it is new. */
  async create(input: NewTask, now = new Date()): Promise<{ task: Task; created: boolean }> {
    const task: Task = { ...input, status: 'open', createdAt: input.createdAt ?? now.toISOString() };
    // checked here as well as in the script: a time that does not parse is a caller's error, never retried
    for (const f of ['dueAt', 'createdAt'] as const) {
      if (Number.isNaN(Date.parse(task[f])))
        throw new InvalidInputError(`task ${task.id}: ${f} "${task[f]}" is not an ISO-8601 time`);
    }
    const res = (await runScript(
      this.redis,
      CREATE,
      this.k('task', task.id),
      this.k('tasks', 'open', task.assignee),
      this.k('tasks', 'all', task.assignee),
      this.k('tasks', 'team', task.team),
      this.k('tasks', 'lead', task.leadId),
      this.streamKey,
      JSON.stringify(task),
      String(Date.parse(task.dueAt)),
      task.id,
      String(Date.parse(task.createdAt)),
      now.toISOString(),
      String(this.streamMaxLen),
    ).catch(scriptRefusal)) as [number, string];
    return { task: JSON.parse(res[1]) as Task, created: res[0] === 1 };
  }

  async get(id: string): Promise<Task | undefined> {
    const raw = await this.redis.get(this.k('task', id));
    return raw ? (JSON.parse(raw) as Task) : undefined;
  }

  async getMany(ids: string[]): Promise<Task[]> {
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.k('task', id)));
    return raws.filter((r): r is string => !!r).map((r) => JSON.parse(r) as Task);
  }

  private async finish(
    id: string,
    status: 'done' | 'cancelled',
    actor: string,
    now: Date,
    reason = '',
  ): Promise<{ task: Task; changed: boolean }> {
    const res = (await runScript(
      this.redis,
      FINISH,
      this.k('task', id),
      this.streamKey,
      status,
      now.toISOString(),
      actor,
      id,
      String(this.streamMaxLen),
      this.prefix,
      reason,
    ).catch(scriptRefusal)) as [number, string];
    if (res[0] === -1) throw new TaskNotFoundError(`task ${id} not found`);
    return { task: JSON.parse(res[1]) as Task, changed: res[0] === 1 };
  }

  /**
   * Marks an open task done. Completing a done task again changes nothing (changed=false); a
   * cancelled task stays cancelled (changed=false, `task.status` says so).
   */
  complete(id: string, actor: string, now = new Date()) {
    return this.finish(id, 'done', actor, now);
  }

  /**
   * Cancels an open task, with why (kept on the task as `cancelReason` and on its `task.cancelled`
   * stream event). A task that is no longer open is left as it is (changed=false): cancelling twice,
   * or after it was completed, adds nothing.
   */
  cancel(id: string, actor: string, now = new Date(), reason = '') {
    return this.finish(id, 'cancelled', actor, now, reason);
  }

  /** Cancels every open task of a lead (a lost or disqualified deal); returns how many changed. */
  async cancelForLead(leadId: string, actor: string, now = new Date(), reason = ''): Promise<number> {
    const ids = await this.redis.zrange(this.k('tasks', 'lead', leadId), '0', '-1');
    let n = 0;
    for (const t of await this.getMany(ids)) {
      if (t.status === 'open' && (await this.cancel(t.id, actor, now, reason)).changed) n++;
    }
    return n;
  }

  /**
   * Moves every open task of a lead to another assignee (e.g. the team queue `queue:<team>`); with
   * `from`, only the tasks that are assigned to `from` (a claim hands the queue's tasks to a rep).
   */
  async reassignForLead(leadId: string, to: string, actor: string, now = new Date(), from?: string): Promise<number> {
    let n = 0;
    for (const t of await this.forLead(leadId)) {
      if (t.status !== 'open' || t.assignee === to || (from !== undefined && t.assignee !== from)) continue;
      if (await this.reassign(t.id, to, actor, now, from)) n++;
    }
    return n;
  }

  /**
   * Reassigns one open task; returns false if it was not open (or, with `from`, no longer assigned
   * to `from`). Atomic per task.
   */
  async reassign(id: string, to: string, actor: string, now = new Date(), from = ''): Promise<boolean> {
    const res = (await runScript(
      this.redis,
      REASSIGN,
      this.k('task', id),
      this.k('tasks', 'open', to),
      this.streamKey,
      to,
      now.toISOString(),
      actor,
      id,
      String(this.streamMaxLen),
      this.prefix,
      from,
    ).catch(scriptRefusal)) as number;
    return res === 1;
  }

  async forLead(leadId: string): Promise<Task[]> {
    return this.getMany(await this.redis.zrange(this.k('tasks', 'lead', leadId), '0', '-1'));
  }

  /**
   * Lists tasks by due time (earliest first; equal due times by task id), at most `limit` (1–500,
   * default 50) a page. The cursor is a keyset cursor (store/paging.ts): the due time and id of
   * the last task returned, so completing, cancelling or adding tasks between two pages neither
   * skips nor repeats a task that stayed in the list. `nextPageToken` is absent on the last page; a
   * page of a filtered listing (a team's, or done/cancelled tasks) may be short with more to come.
   * Throws InvalidPageTokenError for a cursor it did not make.
   */
  async list(opts: ListOptions): Promise<{ items: Task[]; nextPageToken?: string }> {
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
    const status = opts.status ?? 'open';
    let key: string;
    if (opts.assignee) key = this.k('tasks', status === 'open' ? 'open' : 'all', opts.assignee);
    else if (opts.team) key = this.k('tasks', 'team', opts.team);
    else throw new RangeError('list needs an assignee or a team');
    // the open set of an assignee holds open tasks only; every other set mixes statuses
    const filtered = status !== 'all' && !(opts.assignee && status === 'open');
    const page = await zsetPage<Task>({
      redis: this.redis,
      key,
      limit,
      cursor: opts.cursor,
      load: async (ids) => new Map((await this.getMany(ids)).map((t) => [t.id, t])),
      keep: filtered ? (t) => t.status === status : undefined,
    });
    return page.nextCursor ? { items: page.items, nextPageToken: page.nextCursor } : { items: page.items };
  }
}
