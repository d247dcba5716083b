/**
 * What an API change writes into the lead's event history (README "HTTP API", docs/ARCHITECTURE.md):
 * an update's payload carries only the caller's `{role, scope}` for the validator, never the rest
 * of the principal (who it is, the digest of its API key). The Temporal client is faked: each
 * update's arguments are captured as they would be sent.
 */
import type { Client } from '@temporalio/client';
import type Redis from 'ioredis';
import { LeadsClient } from '../../../client/leads';
import type { Principal } from '../../../client/api/auth';
import type { TaskStore } from '../../../store/tasks/task-store';
import { RosterIndex } from '../../../config/roster';
import { accessOf } from '../../../workflows/policy/access';

const sent: { update: string; args: unknown[] }[] = [];
const summary = {
  id: 'l1',
  stage: 'prospecting',
  status: 'open',
  owner: 'alice',
  lastActivityAt: '2026-01-01T00:00:00.000Z',
};
const fakeClient = {
  workflow: {
    getHandle: () => ({
      executeUpdate: async (def: { name: string }, opts: { args: unknown[] }) => {
        sent.push({ update: def.name, args: opts.args });
        return summary;
      },
    }),
  },
} as unknown as Client;

const leads = new LeadsClient({
  client: fakeClient,
  taskQueue: 'unit',
  namespace: 'default',
  redis: {} as Redis,
  tasks: {} as TaskStore,
  roster: () => ({}) as RosterIndex,
});

const principal: Principal = { role: 'rep', scope: 'alice', actor: 'alice', key: 'k3y-d1g3st-0f-th3-ap1-k3y' };

beforeEach(() => {
  sent.length = 0;
});

describe('an update carries only the caller role and scope', () => {
  it.each<[string, () => Promise<unknown>]>([
    ['moveStage', () => leads.move('l1', 'preparation', principal.actor, 'ready', principal)],
    ['logActivity', () => leads.logActivity('l1', 'call', principal.actor, undefined, principal)],
    ['markWon', () => leads.won('l1', principal.actor, 100, undefined, principal)],
    ['markLost', () => leads.lost('l1', principal.actor, 'budget', principal)],
    ['disqualify', () => leads.disqualify('l1', principal.actor, 'spam', principal)],
    ['qualify', () => leads.qualify('l1', principal.actor, { budget: true }, principal)],
    [
      'claimTask',
      () => leads.claimLead('l1', { taskId: 'l1.1.call', rep: 'alice', actor: principal.actor }, principal),
    ],
  ])('%s', async (update, call) => {
    await call();
    expect(sent).toHaveLength(1);
    expect(sent[0].update).toBe(update);
    const payload = sent[0].args[0] as { access?: unknown; actor: string };
    expect(payload.access).toStrictEqual({ role: 'rep', scope: 'alice' });
    expect(JSON.stringify(sent[0].args)).not.toContain(principal.key);
    expect(payload.actor).toBe('alice'); // the actor on the lead's timeline is still named
  });

  it('an operator tool (no access) sends no access field value', async () => {
    await leads.move('l1', 'preparation', 'ops');
    expect((sent[0].args[0] as { access?: unknown }).access).toBeUndefined();
  });
});

describe('accessOf', () => {
  it('keeps role and scope only, and leaves a scope-less role without one', () => {
    expect(accessOf(principal)).toStrictEqual({ role: 'rep', scope: 'alice' });
    expect(accessOf({ role: 'admin', actor: 'root', key: 'x' } as Principal)).toStrictEqual({ role: 'admin' });
    expect(accessOf(undefined)).toBeUndefined();
  });
});
