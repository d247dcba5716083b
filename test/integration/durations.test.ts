/**
 * Every duration a route takes has a sane maximum (docs/CONFIG.md, "Durations"; issue 17 item 3):
 * "100000000d" — and an escalation multiplier that would push a level past any date — is a 400 in
 * the API's error shape naming the field, on every duration-bearing route, and nothing is written
 * (the document's version does not move).
 */
import { KEYS, startStack, type Stack } from '../support/stack';

jest.setTimeout(120_000);
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await stack?.stop();
});

const HUGE = '100000000d';

const cases: { route: string; key: string; body: unknown; field: string }[] = [
  { route: '/v1/config/thresholds', key: KEYS.admin, body: { global: { approach: HUGE } }, field: 'global.approach' },
  {
    route: '/v1/config/thresholds',
    key: KEYS.managerAlpha,
    body: { teams: { alpha: { closing: HUGE } } },
    field: 'teams.alpha.closing',
  },
  {
    route: '/v1/config/thresholds',
    key: KEYS.admin,
    body: { escalation: { multipliers: [1, 2, 1e12] } },
    field: 'escalation.multipliers.2',
  },
  {
    route: '/v1/config/cadences',
    key: KEYS.marketing,
    body: { cadences: { huge: { steps: [{ after: HUGE, template: 'approach_intro' }], businessHours: null } } },
    field: 'cadences.huge.steps.0.after',
  },
  { route: '/v1/config/follow-up', key: KEYS.admin, body: { thankYou: HUGE }, field: 'thankYou' },
  { route: '/v1/config/follow-up', key: KEYS.admin, body: { surveyAfter: HUGE }, field: 'surveyAfter' },
  { route: '/v1/config/follow-up', key: KEYS.admin, body: { surveyReminderAfter: HUGE }, field: 'surveyReminderAfter' },
  { route: '/v1/config/follow-up', key: KEYS.admin, body: { detractorSla: HUGE }, field: 'detractorSla' },
  { route: '/v1/config/follow-up', key: KEYS.admin, body: { checkIns: ['30d', HUGE] }, field: 'checkIns.1' },
];

test.each(cases)(
  'PUT $route refuses $field too long with a 400 naming it, writing nothing',
  async ({ route, key, body, field }) => {
    const before = await stack.call('GET', route, KEYS.admin);
    expect(before.status).toBe(200);
    const res = await stack.call('PUT', route, key, body);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(JSON.stringify(res.body.error.details)).toMatch(/at most/);
    const after = await stack.call('GET', route, KEYS.admin);
    expect(after.body.version).toBe(before.body.version);
  },
);

test('the longest durations themselves are accepted (3650d, multiplier 100)', async () => {
  const res = await stack.call('PUT', '/v1/config/thresholds', KEYS.admin, {
    global: { approach: '3650d' },
    escalation: { multipliers: [1, 50, 100] },
  });
  expect(res.status).toBe(200);
});
