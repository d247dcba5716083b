/**
 * Task webhooks against a real local receiver and Redis: signed, delivered once, retryable on 5xx,
 * final on 4xx, and nothing when the team has no webhook.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import pino from 'pino';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '../../../config/env';
import { loadRoster, RosterIndex } from '../../../config/roster';
import { TaskStore } from '../../../store/tasks/task-store';
import { createDeliveryActivities, type WebhookPayload } from '../../../activities/tasks/delivery.activities';
import { signBody, verifySignature, webhooksStore } from '../../../store/tasks/webhook';
import type { ActivityDeps } from '../../../activities/deps';

interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  verified: boolean;
}

const SECRET = 'a-webhook-secret-of-some-length';
const prefix = `test-webhook-${crypto.randomBytes(4).toString('hex')}:`;
let redis: Redis;
let server: http.Server;
let url: string;
let received: Received[] = [];
/** what the receiver answers next */
let answer = 204;
let deps: ActivityDeps;
let acts: ReturnType<typeof createDeliveryActivities>;

beforeAll(async () => {
  redis = new Redis(process.env.TEST_REDIS_URL!, { maxRetriesPerRequest: 2 });
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({
        headers: req.headers,
        raw,
        verified: verifySignature(SECRET, raw, req.headers['x-dealflow-signature']),
      });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/dealflow`;
  const config = loadConfig({ REDIS_URL: process.env.TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' });
  const roster = new RosterIndex(loadRoster('config/roster.demo.json'));
  deps = {
    redis,
    tasks: new TaskStore(redis, prefix),
    log: pino({ level: 'silent' }),
    prefix,
    roster: () => roster,
    namespace: 'default',
    config,
  };
  acts = createDeliveryActivities(deps, { sendEmail: jest.fn() });
  await webhooksStore(redis, prefix).update('admin', () => ({ teams: { alpha: { url, secret: SECRET } } }));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  redis.disconnect();
});

beforeEach(() => {
  received = [];
  answer = 204;
});

async function makeTask(id: string, team = 'alpha', assignee = 'alice') {
  const { task } = await deps.tasks.create({
    id,
    leadId: `lead-of-${id}`,
    assignee,
    team,
    kind: 'demo',
    title: `Deliver the demo (${id})`,
    details: 'details',
    dueAt: new Date(Date.now() + 86_400_000).toISOString(),
    priority: 'normal',
  });
  return task;
}

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected the delivery to fail');
}

test('signBody and verifySignature agree, and anything tampered or malformed fails', () => {
  const body = '{"a":1}';
  const sig = signBody(SECRET, body);
  expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
  expect(sig).toBe(`sha256=${crypto.createHmac('sha256', SECRET).update(body).digest('hex')}`);
  expect(verifySignature(SECRET, body, sig)).toBe(true);
  expect(verifySignature(SECRET, Buffer.from(body), sig)).toBe(true);
  expect(verifySignature(SECRET, '{"a":2}', sig)).toBe(false);
  expect(verifySignature('another-secret-of-length', body, sig)).toBe(false);
  expect(verifySignature(SECRET, body, sig.slice(0, -2))).toBe(false);
  expect(verifySignature(SECRET, body, sig.replace('sha256=', 'sha1='))).toBe(false);
  expect(verifySignature(SECRET, body, undefined)).toBe(false);
});

test('a created task is POSTed once, signed, with the event and delivery headers; a retry does not POST again', async () => {
  const task = await makeTask('wh-1');
  const res = await acts.deliverTaskWebhook({ taskId: task.id, event: 'task.created' });
  expect(res).toEqual({ status: 'delivered', httpStatus: 204 });
  expect(received).toHaveLength(1);
  const [got] = received;
  expect(got.verified).toBe(true);
  expect(got.headers['content-type']).toBe('application/json');
  expect(got.headers['x-dealflow-event']).toBe('task.created');
  expect(got.headers['x-dealflow-delivery']).toBe('wh-1:task.created');
  const payload = JSON.parse(got.raw) as WebhookPayload;
  expect(payload).toMatchObject({
    id: 'wh-1:task.created',
    type: 'task.created',
    task: { id: 'wh-1', team: 'alpha', assignee: 'alice', status: 'open' },
  });
  expect(Number.isNaN(Date.parse(payload.sentAt))).toBe(false);

  const again = await acts.deliverTaskWebhook({ taskId: task.id, event: 'task.created' });
  expect(again.status).toBe('already_delivered');
  expect(received).toHaveLength(1);

  // another event of the same task is another delivery
  await deps.tasks.complete(task.id, 'alice');
  expect(await acts.deliverTaskWebhook({ taskId: task.id, event: 'task.completed' })).toMatchObject({
    status: 'delivered',
  });
  expect(received).toHaveLength(2);
  expect(received[1].headers['x-dealflow-delivery']).toBe('wh-1:task.completed');
  expect(JSON.parse(received[1].raw).task.status).toBe('done');
});

test('a body changed in transit fails verification', async () => {
  const task = await makeTask('wh-tamper');
  await acts.deliverTaskWebhook({ taskId: task.id, event: 'task.created' });
  const [got] = received;
  expect(got.verified).toBe(true);
  const tampered = got.raw.replace('"priority":"normal"', '"priority":"urgent"');
  expect(tampered).not.toBe(got.raw);
  expect(verifySignature(SECRET, tampered, got.headers['x-dealflow-signature'])).toBe(false);
});

test('a receiver 500 is a retryable failure, and the retry that succeeds delivers', async () => {
  const task = await makeTask('wh-500');
  answer = 500;
  const failure = await failureOf(acts.deliverTaskWebhook({ taskId: task.id, event: 'task.created' }));
  expect(failure.nonRetryable).toBe(false);
  expect(failure.type).toBe('WebhookDeliveryError');
  expect(received).toHaveLength(1);

  answer = 200;
  expect(await acts.deliverTaskWebhook({ taskId: task.id, event: 'task.created' })).toEqual({
    status: 'delivered',
    httpStatus: 200,
  });
  expect(received).toHaveLength(2);
  expect(received[1].headers['x-dealflow-delivery']).toBe(received[0].headers['x-dealflow-delivery']);
});

test('408 and 429 are retryable; other 4xx are a non-retryable WebhookRejectedError', async () => {
  const task = await makeTask('wh-4xx');
  for (const status of [408, 429]) {
    answer = status;
    const f = await failureOf(acts.deliverTaskWebhook({ taskId: task.id, event: 'task.created' }));
    expect(f.nonRetryable).toBe(false);
  }
  answer = 400;
  const rejected = await failureOf(acts.deliverTaskWebhook({ taskId: task.id, event: 'task.created' }));
  expect(rejected.nonRetryable).toBe(true);
  expect(rejected.type).toBe('WebhookRejectedError');
});

test('a connection error is retryable', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  await webhooksStore(redis, prefix).update('admin', (cur) => ({
    teams: { ...cur.teams, beta: { url: `http://127.0.0.1:${port}/`, secret: SECRET } },
  }));
  const task = await makeTask('wh-refused', 'beta', 'carol');
  const f = await failureOf(acts.deliverTaskWebhook({ taskId: task.id, event: 'task.created' }));
  expect(f.nonRetryable).toBe(false);
  expect(f.type).toBe('WebhookDeliveryError');
  await webhooksStore(redis, prefix).update('admin', (cur) => ({ teams: { alpha: cur.teams.alpha } }));
});

test('a team without a webhook, or one not subscribed to the event, is not_configured and nothing is POSTed', async () => {
  const task = await makeTask('wh-none', 'beta', 'carol');
  expect(await acts.deliverTaskWebhook({ taskId: task.id, event: 'task.created' })).toEqual({
    status: 'not_configured',
  });
  await webhooksStore(redis, prefix).update('admin', (cur) => ({
    teams: { ...cur.teams, beta: { url, secret: SECRET, events: ['task.completed'] } },
  }));
  expect(await acts.deliverTaskWebhook({ taskId: task.id, event: 'task.created' })).toEqual({
    status: 'not_configured',
  });
  expect(received).toHaveLength(0);
  await deps.tasks.complete(task.id, 'carol');
  expect(await acts.deliverTaskWebhook({ taskId: task.id, event: 'task.completed' })).toMatchObject({
    status: 'delivered',
  });
  expect(received).toHaveLength(1);
});

test('an unknown event or task is refused without a POST', async () => {
  await expect(acts.deliverTaskWebhook({ taskId: 'wh-1', event: 'task.exploded' })).rejects.toThrow(/task.created/);
  const f = await failureOf(acts.deliverTaskWebhook({ taskId: 'no-such-task', event: 'task.created' }));
  expect(f.nonRetryable).toBe(true);
  expect(received).toHaveLength(0);
});
