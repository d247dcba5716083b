/**
 * The roster: teams, their manager and their reps (README "HTTP API"). Loaded from ROSTER_FILE (a demo roster
 * ships in config/roster.demo.json), validated with zod.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const id = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1–64)');
const person = z.strictObject({
  id,
  name: z.string().min(1).max(200),
  email: z.email(),
  timezone: z.string().default('UTC'),
});
export const rosterSchema = z.strictObject({
  teams: z.record(
    id,
    z.strictObject({
      name: z.string().min(1).max(200).optional(),
      manager: person,
      reps: z.array(person).min(1),
    }),
  ),
});
export type Roster = z.infer<typeof rosterSchema>;
export type Person = z.infer<typeof person>;

export function loadRoster(file: string): Roster {
  const full = path.resolve(file);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(full, 'utf8'));
  } catch (e) {
    throw new Error(`ROSTER_FILE ${full}: ${(e as Error).message}`, { cause: e });
  }
  const parsed = rosterSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `ROSTER_FILE ${full}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** Lookups over a roster. */
export class RosterIndex {
  constructor(public readonly roster: Roster) {}
  teamOfRep(repId: string): string | undefined {
    for (const [team, t] of Object.entries(this.roster.teams)) if (t.reps.some((r) => r.id === repId)) return team;
    return undefined;
  }
  rep(repId: string): Person | undefined {
    for (const t of Object.values(this.roster.teams)) {
      const r = t.reps.find((x) => x.id === repId);
      if (r) return r;
    }
    return undefined;
  }
  team(team: string) {
    return this.roster.teams[team];
  }
  teams(): string[] {
    return Object.keys(this.roster.teams);
  }
  managerOf(team: string): Person | undefined {
    return this.roster.teams[team]?.manager;
  }
  /** A person (rep or manager) by id. */
  person(id: string): Person | undefined {
    for (const t of Object.values(this.roster.teams)) {
      if (t.manager.id === id) return t.manager;
      const r = t.reps.find((x) => x.id === id);
      if (r) return r;
    }
    return undefined;
  }
}
