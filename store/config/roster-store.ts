/**
 * The roster as live configuration (README "HTTP API": replaced by an admin over the API): ROSTER_FILE
 * is version 0, an admin's `PUT /v1/config/roster` stores the next version (validated, versioned,
 * audited like every configuration document), and every API and worker process swaps its in-memory
 * copy when the change is published — with a poll every 30 s as the fallback for a missed message.
 * Reads stay synchronous (`roster()`), as authentication and activities need them.
 */
import type Redis from 'ioredis';
import { RosterIndex, rosterSchema, type Roster } from '../../config/roster';
import { issuesToProblems, ValidationError, type FieldProblem } from '../request-errors';
import { VersionedConfig, type Versioned } from './versioned-config';

export function rosterStore(redis: Redis, prefix: string, fileRoster: Roster): VersionedConfig<Roster> {
  return new VersionedConfig<Roster>(redis, prefix, 'roster', () => structuredClone(fileRoster));
}

/** The schema plus what it cannot say: a person id is one person, in one team. */
export function validateRoster(body: unknown): Roster {
  const r = rosterSchema.safeParse(body);
  if (!r.success) {
    const details = issuesToProblems(r.error.issues);
    throw new ValidationError(`invalid roster: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
  const problems: FieldProblem[] = [];
  const seen = new Map<string, string>();
  const teams = Object.entries(r.data.teams);
  if (!teams.length) problems.push({ path: 'teams', message: 'at least one team' });
  for (const [team, t] of teams) {
    const people = [
      { p: t.manager, path: `teams.${team}.manager.id` },
      ...t.reps.map((p, i) => ({ p, path: `teams.${team}.reps.${i}.id` })),
    ];
    for (const { p, path } of people) {
      const first = seen.get(p.id);
      if (first && !(first.endsWith('.manager.id') && path.endsWith('.manager.id')))
        problems.push({ path, message: `"${p.id}" is already at ${first}` });
      else if (!first) seen.set(p.id, path);
    }
  }
  if (problems.length)
    throw new ValidationError(`invalid roster: ${problems.map((d) => `${d.path}: ${d.message}`).join('; ')}`, problems);
  return r.data;
}

const strip = (d: Roster & Versioned): Roster => ({ teams: d.teams });

export class LiveRoster {
  private index: RosterIndex;
  private version = -1;
  private sub?: Redis;
  private timer?: NodeJS.Timeout;
  readonly store: VersionedConfig<Roster>;

  private constructor(redis: Redis, prefix: string, fileRoster: Roster) {
    this.index = new RosterIndex(fileRoster);
    this.store = rosterStore(redis, prefix, fileRoster);
  }

  /** Loads the current version and keeps following it (pass `follow: false` for one-shot tools). */
  static async start(
    redis: Redis,
    prefix: string,
    fileRoster: Roster,
    opts: { follow?: boolean } = {},
  ): Promise<LiveRoster> {
    const live = new LiveRoster(redis, prefix, fileRoster);
    await live.refresh().catch(() => undefined); // Redis down at start: the file's roster until it answers
    if (opts.follow !== false) {
      live.sub = redis.duplicate();
      live.sub.on('error', () => undefined);
      live.sub.on('message', () => void live.refresh().catch(() => undefined));
      void live.sub.subscribe(live.store.channel).catch(() => undefined); // not awaited: a Redis down at start must not hold the process
      live.timer = setInterval(() => void live.refresh().catch(() => undefined), 30_000);
      live.timer.unref();
    }
    return live;
  }

  /** The roster now (synchronous). */
  readonly get = (): RosterIndex => this.index;

  /** Re-reads the stored document; a version never goes back. */
  async refresh(): Promise<void> {
    const d = await this.store.get();
    if (d.version > this.version) {
      this.version = d.version;
      if (d.version > 0) this.index = new RosterIndex(strip(d));
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.sub?.disconnect();
  }
}
