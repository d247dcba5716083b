/** Named email cadences (docs/ARCHITECTURE.md §9; README "HTTP API") as a VersionedConfig; `default` always exists. */
import type Redis from 'ioredis';
import { DEFAULT_CADENCE } from '../../config/defaults';
import type { Cadence } from '../../workflows/policy/cadence';
import { VersionedConfig } from './versioned-config';

export interface CadencesBody {
  cadences: Record<string, Cadence>;
}

export function defaultCadences(): CadencesBody {
  return {
    cadences: {
      default: {
        steps: DEFAULT_CADENCE.steps.map((s) => ({ ...s })),
        businessHours: DEFAULT_CADENCE.businessHours
          ? { ...DEFAULT_CADENCE.businessHours, days: [...DEFAULT_CADENCE.businessHours.days] }
          : null,
      },
    },
  };
}

export function cadencesStore(redis: Redis, prefix: string): VersionedConfig<CadencesBody> {
  return new VersionedConfig<CadencesBody>(redis, prefix, 'cadences', defaultCadences);
}
