/**
 * The roster replaced over the API (README "HTTP API"): admin only, validated with field paths, versioned and
 * audited; the API applies it at once (a lead for the new team's rep is accepted right away) and
 * another process — here a second runtime, as a worker would be — follows it by pub/sub.
 */
import { createClientRuntime, type ClientRuntime } from '../../client/runtime';
import { loadRoster } from '../../config/roster';
import { KEYS, eventually, startStack, type Stack } from '../support/stack';

let stack: Stack;
let other: ClientRuntime;
beforeAll(async () => {
  stack = await startStack({ worker: false });
  other = await createClientRuntime(stack.config);
});
afterAll(async () => {
  await other?.close();
  await stack?.stop();
});

const demo = loadRoster('config/roster.demo.json');
const withGamma = {
  teams: {
    ...demo.teams,
    gamma: {
      name: 'APAC',
      manager: { id: 'kenji', name: 'Kenji', email: 'kenji@dealflow.test', timezone: 'Asia/Tokyo' },
      reps: [{ id: 'zoe', name: 'Zoe', email: 'zoe@dealflow.test', timezone: 'Australia/Sydney' }],
    },
  },
};

test('an admin replaces the roster: applied at once here, followed by other processes, audited', async () => {
  const before = await stack.call('GET', '/v1/config/roster', KEYS.managerAlpha);
  expect(before.body).toMatchObject({ version: 0, teams: { alpha: { manager: { id: 'mia' } } } });
  expect((await stack.call('POST', '/v1/leads', KEYS.admin, { email: 'z1@roster.test', owner: 'zoe' })).status).toBe(
    400,
  );

  const put = await stack.call('PUT', '/v1/config/roster', KEYS.admin, withGamma);
  expect(put.status).toBe(200);
  expect(put.body).toMatchObject({ version: 1, updatedBy: 'admin', teams: { gamma: { reps: [{ id: 'zoe' }] } } });

  const created = await stack.call('POST', '/v1/leads', KEYS.admin, {
    id: 'roster-z1',
    email: 'z1@roster.test',
    owner: 'zoe',
  });
  expect(created.status).toBe(201);
  expect(await eventually(async () => other.roster().teamOfRep('zoe'), 10_000, 'the other process to follow')).toBe(
    'gamma',
  );

  const hist = await stack.call('GET', '/v1/config/roster/history', KEYS.admin);
  expect(hist.body.items[0]).toMatchObject({ version: 1, by: 'admin' });
  expect(Object.keys(hist.body.items[0].new.teams)).toContain('gamma');
  expect(Object.keys(hist.body.items[0].old.teams)).not.toContain('gamma');
});

test('only an admin may replace it; a bad roster is a 400 naming each field', async () => {
  expect((await stack.call('PUT', '/v1/config/roster', KEYS.managerAlpha, withGamma)).status).toBe(403);
  expect((await stack.call('GET', '/v1/config/roster/history', KEYS.managerAlpha)).status).toBe(403);
  expect((await stack.call('GET', '/v1/config/roster', KEYS.alice)).status).toBe(403);
  const dup = await stack.call('PUT', '/v1/config/roster', KEYS.admin, {
    teams: {
      a: { manager: { id: 'm', name: 'M', email: 'm@x.test' }, reps: [{ id: 'r', name: 'R', email: 'r@x.test' }] },
      b: {
        manager: { id: 'm2', name: 'M2', email: 'not-an-email' },
        reps: [{ id: 'r', name: 'R again', email: 'r2@x.test' }],
      },
    },
  });
  expect(dup.status).toBe(400);
  expect(dup.body.error.details.map((d: { path: string }) => d.path)).toEqual(['teams.b.manager.email']);
  const dup2 = await stack.call('PUT', '/v1/config/roster', KEYS.admin, {
    teams: {
      a: { manager: { id: 'm', name: 'M', email: 'm@x.test' }, reps: [{ id: 'r', name: 'R', email: 'r@x.test' }] },
      b: {
        manager: { id: 'm', name: 'M', email: 'm@x.test' },
        reps: [{ id: 'r', name: 'R again', email: 'r2@x.test' }],
      },
    },
  });
  expect(dup2.status).toBe(400);
  expect(dup2.body.error.details).toEqual([
    { path: 'teams.b.reps.0.id', message: '"r" is already at teams.a.reps.0.id' },
  ]);
  expect((await stack.call('GET', '/v1/config/roster', KEYS.admin)).body.version).toBe(1); // nothing stored
});
