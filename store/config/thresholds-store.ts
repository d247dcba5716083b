/** The thresholds document (README "HTTP API") as a VersionedConfig, with the defaults of config/defaults.ts. */
import type Redis from 'ioredis';
import { DEFAULT_ESCALATION, DEFAULT_THRESHOLDS } from '../../config/defaults';
import type { ThresholdsBody } from '../../workflows/policy/thresholds';
import { VersionedConfig } from './versioned-config';

export function defaultThresholds(): ThresholdsBody {
  return {
    global: { ...DEFAULT_THRESHOLDS },
    teams: {},
    escalation: { ...DEFAULT_ESCALATION, multipliers: [...DEFAULT_ESCALATION.multipliers] },
  };
}

export function thresholdsStore(redis: Redis, prefix: string): VersionedConfig<ThresholdsBody> {
  return new VersionedConfig<ThresholdsBody>(redis, prefix, 'thresholds', defaultThresholds);
}
