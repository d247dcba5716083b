/**
 * Every side effect of dealflow. createActivities(deps) merges one factory per area; the worker
 * registers the result and workflows proxy it by type only (workflows/proxies.ts).
 */
import type { ActivityDeps } from './deps';
import { createTaskActivities } from './tasks/task.activities';
import { createConfigActivities } from './config/config.activities';
import { createPropagateActivities } from './config/propagate.activities';
import { createEmailActivities } from './email/send-email.activity';
import { createEnrichmentActivities } from './enrichment/enrichment.activities';
import { createDeliveryActivities } from './tasks/delivery.activities';
import { createCampaignActivities } from './campaigns/campaign.activities';
import { createFactsActivities } from './metrics/facts.activities';
import { createTimelineActivities } from './timeline/timeline.activities';

export function createActivities(deps: ActivityDeps) {
  const email = createEmailActivities({
    redis: deps.redis,
    prefix: deps.prefix,
    config: deps.config,
    log: deps.log,
    transport: deps.transport,
  });
  return {
    ...email,
    ...createEnrichmentActivities({
      redis: deps.redis,
      prefix: deps.prefix,
      enrichmentUrl: deps.config.ENRICHMENT_URL,
      log: deps.log,
    }),
    ...createTaskActivities(deps),
    ...createConfigActivities(deps),
    ...createPropagateActivities(deps),
    ...createDeliveryActivities(deps, email),
    ...createCampaignActivities(deps),
    ...createFactsActivities(deps),
    ...createTimelineActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
