/**
 * Changing stall thresholds, shared by the API and the CLI: validate the patch (field paths),
 * store it as the next audited version, and start the propagation workflow for the scopes it
 * shortened (one StartWorkflow; the per-lead signals happen in the worker, not here).
 */
import type { Client } from '@temporalio/client';
import type Redis from 'ioredis';
import { thresholdsStore } from '../store/config/thresholds-store';
import {
  applyThresholdsPatch,
  shortenedScopes,
  validateThresholdsPatch,
  type ThresholdsBody,
  type ThresholdsDoc,
} from '../workflows/policy/thresholds';
import type { RosterIndex } from '../config/roster';
import { ValidationError } from '../store/request-errors';
import { expectedVersion } from '../store/config/versioned-config';

export interface ThresholdsContext {
  redis: Redis;
  prefix: string;
  temporal: Client;
  taskQueue: string;
  roster: RosterIndex;
}

/** @public the CLI loads it lazily with require() (eslint.config.mjs), which knip does not follow */
export async function getThresholds(ctx: Pick<ThresholdsContext, 'redis' | 'prefix'>): Promise<ThresholdsDoc> {
  return await thresholdsStore(ctx.redis, ctx.prefix).get();
}

export async function changeThresholds(
  ctx: ThresholdsContext,
  actor: string,
  patch: unknown,
): Promise<{ doc: ThresholdsDoc; propagation?: string }> {
  const problems = validateThresholdsPatch(patch);
  if (problems.length)
    throw new ValidationError(
      `invalid thresholds: ${problems.map((x) => `${x.path}: ${x.message}`).join('; ')}`,
      problems,
    );
  const store = thresholdsStore(ctx.redis, ctx.prefix);
  // a `version` sent with the patch is the version it was read at: another one is a 409 (docs/ERRORS.md)
  const { doc, previous } = await store.update(
    actor,
    (cur) =>
      applyThresholdsPatch(
        { global: cur.global, teams: cur.teams, escalation: cur.escalation },
        patch as Partial<ThresholdsBody>,
      ),
    undefined,
    { expectedVersion: expectedVersion(patch) },
  );
  const propagation = await propagate(ctx, previous, doc);
  return { doc: doc, propagation };
}

async function propagate(
  ctx: ThresholdsContext,
  before: ThresholdsBody,
  after: ThresholdsDoc,
): Promise<string | undefined> {
  const teams = [
    ...new Set([...ctx.roster.teams(), ...Object.keys(before.teams), ...Object.keys(after.teams), 'default']),
  ];
  const scopes = shortenedScopes(before, after, teams);
  if (scopes.length === 0) return undefined;
  const byTeam = new Map<string, string[]>();
  for (const s of scopes) byTeam.set(s.team, [...(byTeam.get(s.team) ?? []), s.stage]);
  const queries = [...byTeam].map(
    ([team, stages]) =>
      `WorkflowType = 'leadWorkflow' AND TaskQueue = '${ctx.taskQueue}' AND DealflowStatus = 'open' AND DealflowTeam = '${team}' AND DealflowStage IN (${stages.map((s) => `'${s}'`).join(', ')})`,
  );
  const workflowId = `thresholds-propagate-${ctx.prefix.replace(/[^A-Za-z0-9_-]/g, '')}-v${after.version}`;
  await ctx.temporal.workflow.start('propagateThresholdsWorkflow', {
    taskQueue: ctx.taskQueue,
    workflowId,
    args: [{ doc: after, queries }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return workflowId;
}
