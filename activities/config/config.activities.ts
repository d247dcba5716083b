/**
 * Configuration and roster reads for workflows (config reaches a workflow as input or through an
 * activity, never from env), and lead-task reassignment for the escalation ladder.
 */
import type { ThresholdsDoc } from '../../workflows/policy/thresholds';
import type { Person } from '../../config/roster';
import type { ActivityDeps } from '../deps';
import { thresholdsStore } from '../../store/config/thresholds-store';
import { cadencesStore } from '../../store/config/cadences-store';
import { followUpStore, type FollowUpBody } from '../../store/config/follow-up-store';
import type { Cadence } from '../../workflows/policy/cadence';

export function createConfigActivities(deps: ActivityDeps) {
  const thresholds = thresholdsStore(deps.redis, deps.prefix);
  const cadences = cadencesStore(deps.redis, deps.prefix);
  const followUp = followUpStore(deps.redis, deps.prefix);
  // a short in-process cache: many leads asking at once cost one Redis read per worker per second
  let cached: { at: number; doc: ThresholdsDoc } | undefined;
  return {
    async getThresholds(): Promise<ThresholdsDoc> {
      if (cached && Date.now() - cached.at < 1000) return cached.doc;
      const doc = await thresholds.get();
      cached = { at: Date.now(), doc };
      return doc;
    },
    /** A named cadence at its current version (`default` when the name is unknown); read before every step. */
    async getCadence({ name }: { name: string }): Promise<{ name: string; version: number; cadence: Cadence }> {
      const doc = await cadences.get();
      const found = doc.cadences[name];
      return found
        ? { name, version: doc.version, cadence: found }
        : { name: 'default', version: doc.version, cadence: doc.cadences.default };
    },
    /** The follow-up timings at their current version (read when a deal is won). */
    async getFollowUp(): Promise<FollowUpBody & { version: number }> {
      return followUp.get();
    },
    /** Records that a survey went out (the denominator of the NPS response rate). */
    async recordSurveySent({ leadId, team }: { leadId: string; team: string }): Promise<void> {
      await deps.redis.zadd(`${deps.prefix}survey:sent`, 'NX', Date.now(), `${leadId}|${team}`);
    },
    /** The owner and the team's manager from the roster (null when not in it, e.g. a team queue). */
    async lookupPeople({
      owner,
      team,
    }: {
      owner: string;
      team: string;
    }): Promise<{ owner: Person | null; manager: Person | null }> {
      const r = deps.roster();
      return { owner: r.person(owner) ?? null, manager: r.managerOf(team) ?? null };
    },
    /**
     * Moves a lead's open tasks assigned to `from` (the owner the lead leaves) to another assignee
     * (auto-reassignment to the team queue); tasks of anyone else, such as the manager's escalation
     * task, stay where they are. Without `from` (an input scheduled by an earlier version) every open
     * task moves, as it did then.
     */
    async reassignLeadTasks({
      leadId,
      to,
      actor,
      from,
    }: {
      leadId: string;
      to: string;
      actor: string;
      from?: string;
    }): Promise<number> {
      return deps.tasks.reassignForLead(leadId, to, actor, new Date(), from);
    },
  };
}
