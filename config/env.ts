/**
 * Configuration from the environment, validated with zod at start-up. Every problem is reported at
 * once, by variable name. Secrets come only from here; nothing else reads process.env.
 */
import { z } from 'zod';
import fs from 'node:fs';
import { durationProblem } from '../workflows/policy/duration';

export type Role = 'admin' | 'marketing' | 'manager' | 'rep';
export interface ApiKey {
  key: string;
  role: Role;
  /** team for a manager, rep id for a rep */
  scope?: string;
}

/** A duration in the one grammar of workflows/policy/duration.ts (docs/CONFIG.md, "Durations"). */
const duration = z.string().superRefine((v, ctx) => {
  const problem = durationProblem(v, { allowZero: true });
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** API_KEYS parsed; each malformed entry is reported through `problem` (and left out). */
function parseApiKeys(raw: string, problem: (message: string) => void): ApiKey[] {
  const out: ApiKey[] = [];
  for (const part of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([^=]+)=(admin|marketing|manager|rep)(?::([A-Za-z0-9._-]+))?$/.exec(part);
    if (!m) {
      problem(`"${part.replace(/=.*/, '=…')}" is not key=role[:scope]`);
      continue;
    }
    const [, key, role, scope] = m;
    if ((role === 'manager' || role === 'rep') && !scope) {
      problem(`a ${role} key needs a scope (${role}:<${role === 'rep' ? 'rep id' : 'team'}>)`);
      continue;
    }
    if (key.length < 8) problem('every key must be at least 8 characters');
    out.push({ key, role: role as Role, scope });
  }
  return out;
}

const schema = z
  .object({
    NODE_ENV: z.string().default('development'),
    TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().default('default'),
    TEMPORAL_TASK_QUEUE: z.string().default('dealflow'),
    TEMPORAL_API_KEY: z.string().optional(),
    TEMPORAL_TLS_CERT: z.string().optional(),
    TEMPORAL_TLS_KEY: z.string().optional(),
    TEMPORAL_TLS_CA: z.string().optional(),
    REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
    REDIS_PREFIX: z.string().default('dealflow:'),
    SMTP_URL: z.string().default('smtp://127.0.0.1:1025'),
    SMTP_RATE_PER_SECOND: z.coerce.number().int().positive().default(20),
    MAIL_FROM: z.string().default('dealflow <no-reply@dealflow.local>'),
    PUBLIC_BASE_URL: z.string().url().default('http://127.0.0.1:3000'),
    SIGNING_SECRET: z.string().min(16, 'at least 16 characters').default('dev-only-signing-secret-change-me'),
    INBOUND_SECRET: z.string().optional(),
    /** how far (seconds) the time signed in an inbound webhook may be from now (README "Replies and matching") */
    INBOUND_SIGNATURE_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
    /**
     * Team webhook hosts (comma-separated names or IP addresses) allowed even though they are private,
     * loopback or link-local; in production every other such target is refused (docs/CONFIG.md)
     */
    WEBHOOK_ALLOW_PRIVATE_HOSTS: z.string().default(''),
    API_KEYS: z.string().default(''),
    ROSTER_FILE: z.string().default('config/roster.demo.json'),
    ENRICHMENT_URL: z.string().url().optional(),
    HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HTTP_HOST: z.string().default('127.0.0.1'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().positive().optional(),
    /** host:port for the worker's Prometheus exporter (Temporal SDK metrics + dealflow counters); unset = off */
    WORKER_METRICS_ADDRESS: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'host:port, e.g. 127.0.0.1:9464 or 0.0.0.0:9464')
      .optional(),
    ENRICHMENT_RETRY: duration.default('5m'),
    PROPOSAL_VALIDITY: duration.default('14d'),
    PROPOSAL_REMINDER_BEFORE: duration.default('2d'),
    BULK_ENROL_RATE: z.coerce.number().positive().max(10_000).default(50),
    API_RATE_LIMIT: z.coerce.number().int().min(0).default(3000),
  })
  .superRefine((v, ctx) => {
    if (v.NODE_ENV === 'production' && v.SIGNING_SECRET === 'dev-only-signing-secret-change-me') {
      ctx.addIssue({ code: 'custom', path: ['SIGNING_SECRET'], message: 'must be set in production' });
    }
    if ((v.TEMPORAL_TLS_CERT && !v.TEMPORAL_TLS_KEY) || (!v.TEMPORAL_TLS_CERT && v.TEMPORAL_TLS_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TEMPORAL_TLS_KEY'],
        message: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together',
      });
    }
    parseApiKeys(v.API_KEYS, (message) => ctx.addIssue({ code: 'custom', message, path: ['API_KEYS'] }));
  });

type RawEnv = z.infer<typeof schema>;
export type Config = Readonly<
  RawEnv & {
    apiKeys: readonly ApiKey[];
  }
>;

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads an optional `.env`-style file named by DEALFLOW_ENV_FILE (KEY=VALUE lines); the process env wins. */
function readEnvFile(env: NodeJS.ProcessEnv): Record<string, string> {
  const file = env.DEALFLOW_ENV_FILE;
  if (!file) return {};
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith('#')) out[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const merged = { ...readEnvFile(env), ...env };
  // empty strings mean "not set"
  for (const k of Object.keys(merged)) if (merged[k] === '') delete merged[k];
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    // zod runs the cross-field checks only on an otherwise valid object: report API_KEYS too, at once
    if (typeof merged.API_KEYS === 'string' && !problems.some((p) => p.startsWith('API_KEYS'))) {
      parseApiKeys(merged.API_KEYS, (message) => problems.push(`API_KEYS: ${message}`));
    }
    throw new ConfigError(problems);
  }
  const apiKeys = parseApiKeys(parsed.data.API_KEYS, () => undefined);
  return Object.freeze({ ...parsed.data, apiKeys: Object.freeze(apiKeys) });
}

/** Demo keys printed by `dealflow dev` when API_KEYS is not set. Never used in production. */
export const DEMO_API_KEYS =
  'demo-admin-key=admin,demo-marketing-key=marketing,demo-manager-alpha=manager:alpha,demo-manager-beta=manager:beta,demo-rep-alice=rep:alice,demo-rep-bob=rep:bob,demo-rep-carol=rep:carol';
