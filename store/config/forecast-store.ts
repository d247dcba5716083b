/** Forecast stage probabilities (README "HTTP API") as a VersionedConfig, with the defaults of config/defaults.ts. */
import type Redis from 'ioredis';
import { DEFAULT_STAGE_PROBABILITIES, type OpenStage } from '../../config/defaults';
import { VersionedConfig } from './versioned-config';

export interface ForecastBody {
  /** per open stage, the chance (0..1) that a deal in it is won */
  probabilities: Record<OpenStage, number>;
}

export function forecastStore(redis: Redis, prefix: string): VersionedConfig<ForecastBody> {
  return new VersionedConfig<ForecastBody>(redis, prefix, 'forecast', () => ({
    probabilities: { ...DEFAULT_STAGE_PROBABILITIES },
  }));
}
