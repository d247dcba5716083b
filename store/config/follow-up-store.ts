/** Follow-up timings (README "HTTP API") as a VersionedConfig, with the defaults of config/defaults.ts. */
import type Redis from 'ioredis';
import { DEFAULT_FOLLOW_UP } from '../../config/defaults';
import { VersionedConfig } from './versioned-config';

export interface FollowUpBody {
  thankYou: string;
  surveyAfter: string;
  surveyReminderAfter: string;
  checkIns: string[];
  detractorSla: string;
}

export function followUpStore(redis: Redis, prefix: string): VersionedConfig<FollowUpBody> {
  return new VersionedConfig<FollowUpBody>(redis, prefix, 'follow-up', () => ({
    ...DEFAULT_FOLLOW_UP,
    checkIns: [...DEFAULT_FOLLOW_UP.checkIns],
  }));
}
