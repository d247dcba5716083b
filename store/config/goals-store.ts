/** Team goals per period (README "HTTP API") as a VersionedConfig; none by default. */
import type Redis from 'ioredis';
import { VersionedConfig } from './versioned-config';

export const GOAL_METRICS = ['newCustomers', 'wonValue', 'leadsContacted'] as const;
type GoalMetric = (typeof GOAL_METRICS)[number];

/**
 * A measurable goal: `period` is `YYYY`, `YYYY-Qn` or `YYYY-MM` (UTC). A money goal (`wonValue`)
 * names its ISO 4217 `currency` and `target` is in its major unit; only deals won in that currency
 * count towards it (README "Reporting"). Goals stored before they named one are in the default
 * currency (config/defaults.ts `DEFAULT_LEAD.currency`).
 */
export interface Goal {
  team: string;
  period: string;
  metric: GoalMetric;
  target: number;
  /** for `wonValue` only */
  currency?: string;
}

export interface GoalsBody {
  goals: Goal[];
}

export function goalsStore(redis: Redis, prefix: string): VersionedConfig<GoalsBody> {
  return new VersionedConfig<GoalsBody>(redis, prefix, 'goals', () => ({ goals: [] }));
}
