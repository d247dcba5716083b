/**
 * Every side effect of dealflow. createActivities(deps) merges one factory per area; the worker
 * registers the result and workflows proxy it by type only (workflows/proxies.ts).
 */
import type { ActivityDeps } from './deps';
import { createTaskActivities } from './tasks/task.activities';
import { createConfigActivities } from './config/config.activities';
import { createPropagateActivities } from './config/propagate.activities';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createTaskActivities(deps),
    ...createConfigActivities(deps),
    ...createPropagateActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
