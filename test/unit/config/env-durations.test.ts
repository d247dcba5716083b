/** The environment's duration variables follow the one duration grammar (workflows/policy/duration.ts). */
import { ConfigError, loadConfig } from '../../../config/env';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('duration variables', () => {
  it('accepts every spelling the workflows accept ("5min", "2 hrs", "1 week", "0s")', () => {
    const config = loadConfig({
      ENRICHMENT_RETRY: '5min',
      PROPOSAL_VALIDITY: '1 week',
      PROPOSAL_REMINDER_BEFORE: '2 hrs',
    });
    expect(config.ENRICHMENT_RETRY).toBe('5min');
    expect(config.PROPOSAL_VALIDITY).toBe('1 week');
    expect(problemsOf({ PROPOSAL_REMINDER_BEFORE: '0s' })).toEqual([]);
  });

  it('names the variable of text outside the grammar and of a value past the maximum', () => {
    expect(problemsOf({ ENRICHMENT_RETRY: 'soon', PROPOSAL_VALIDITY: '100000000d' })).toEqual([
      'ENRICHMENT_RETRY: "soon" is not a duration such as "90s", "15m" or "3d"',
      'PROPOSAL_VALIDITY: must be at most 3650d',
    ]);
  });

  it('keeps the defaults when unset', () => {
    const config = loadConfig({});
    expect([config.ENRICHMENT_RETRY, config.PROPOSAL_VALIDITY, config.PROPOSAL_REMINDER_BEFORE]).toEqual([
      '5m',
      '14d',
      '2d',
    ]);
  });
});
