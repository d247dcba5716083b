/**
 * Versioned, audited configuration documents in Redis (thresholds, cadences, follow-up, roster,
 * goals — docs/ARCHITECTURE.md §10: validated, versioned and audited the same way). A write is a compare-and-set on
 * the version inside one Lua script, so two concurrent writers cannot lose each other's change, and
 * the audit entry (who, when, old, new) is appended in the same step. Redis runs with an
 * append-only file, so configuration survives restarts of every process.
 */
import { isDeepStrictEqual } from 'node:util';
import type Redis from 'ioredis';
import { decodeVersionCursor, encodeVersionCursor } from '../paging';
import { redisScript, runScript } from '../redis-scripts';

export interface Versioned {
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface AuditEntry<T> {
  version: number;
  at: string;
  by: string;
  old: T;
  new: T;
}

const CAS = redisScript(
  'df_versioned_config_CAS',
  3,
  `
-- every input checked before the first write (Redis keeps a failing script's earlier writes)
if not (string.find(ARGV[1], '^%d+$') and string.sub(ARGV[2], 1, 1) == '{' and string.sub(ARGV[3], 1, 1) == '{') then
  return redis.error_reply('INVALID config update: version, document and audit entry are required')
end
local ht = redis.call('TYPE', KEYS[2])['ok']
if ht ~= 'none' and ht ~= 'list' then return redis.error_reply('INVALID config history key ' .. KEYS[2] .. ' holds a ' .. ht) end
local cur = redis.call('GET', KEYS[1])
local curVersion = 0
if cur then
  local okd, doc = pcall(cjson.decode, cur)
  if not okd or type(doc) ~= 'table' then return redis.error_reply('INVALID stored config ' .. KEYS[1]) end
  curVersion = tonumber(doc['version'])
end
if curVersion ~= tonumber(ARGV[1]) then return {0, cur or ''} end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('PUBLISH', KEYS[3], ARGV[2])
return {1, ARGV[2]}
`,
);

/**
 * The document changed under the writer: a stale `version` was sent, or concurrent writers kept
 * winning (error code `version_conflict`, 409: docs/ERRORS.md).
 */
export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
  readonly code = 'version_conflict' as const;
}

/** The `version` a config write names (the version it was read at), if it names one. */
export function expectedVersion(body: unknown): number | undefined {
  const v = (body as { version?: unknown } | null)?.version;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

export class VersionedConfig<T extends object> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly name: string,
    private readonly defaults: () => T,
  ) {}

  get key(): string {
    return `${this.prefix}config:${this.name}`;
  }
  get channel(): string {
    return `${this.prefix}config-changed:${this.name}`;
  }

  async get(): Promise<T & Versioned> {
    const raw = await this.redis.get(this.key);
    if (!raw) return { ...this.defaults(), version: 0, updatedAt: null, updatedBy: null };
    return JSON.parse(raw) as T & Versioned;
  }

  /**
   * Applies `change` to the current document and stores the result as the next version. `change`
   * validates (and throws); it is retried on a concurrent write, so it must be pure.
   *
   * A change that leaves the document as it is stores nothing and writes no audit entry: the
   * current document is answered (`changed: false`, same version). `expectedVersion` (the version
   * the writer read): a document at another version is a VersionConflictError (409
   * `version_conflict`, docs/ERRORS.md), as is losing ten concurrent writes in a row.
   */
  async update(
    actor: string,
    change: (current: T & Versioned) => T,
    now = new Date(),
    opts: { expectedVersion?: number } = {},
  ): Promise<{ doc: T & Versioned; previous: T & Versioned; changed: boolean }> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.get();
      if (opts.expectedVersion !== undefined && current.version !== opts.expectedVersion) {
        throw new VersionConflictError(
          `${this.name} is at version ${current.version}, not ${opts.expectedVersion}: read it again and reapply the change`,
        );
      }
      const nextBody = change(current);
      const { version: _v, updatedAt: _a, updatedBy: _b, ...oldBody } = current;
      // as it would be stored (JSON drops undefined fields), compared with what is stored
      if (isDeepStrictEqual(JSON.parse(JSON.stringify(nextBody)), oldBody))
        return { doc: current, previous: current, changed: false };
      const next = { ...nextBody, version: current.version + 1, updatedAt: now.toISOString(), updatedBy: actor } as T &
        Versioned;
      const { version: _v2, updatedAt: _a2, updatedBy: _b2, ...newBody } = next;
      const audit: AuditEntry<unknown> = {
        version: next.version,
        at: next.updatedAt!,
        by: actor,
        old: oldBody,
        new: newBody,
      };
      const res = (await runScript(
        this.redis,
        CAS,
        this.key,
        `${this.key}:history`,
        this.channel,
        String(current.version),
        JSON.stringify(next),
        JSON.stringify(audit),
      )) as [number, string];
      if (res[0] === 1) return { doc: next, previous: current, changed: true };
    }
    throw new VersionConflictError(`${this.name} changed concurrently too often; try again`);
  }

  /** The newest `limit` entries of the audit log, newest first. */
  async history(limit = 100): Promise<AuditEntry<T>[]> {
    return (await this.historyPage({ limit })).items;
  }

  /**
   * One page of the audit log, newest first: at most `limit` entries (1–1000, default 100). The
   * cursor is the version of the last entry returned (store/paging.ts), so entries written
   * while a caller pages (they join at the head) move nothing past it. `nextPageToken` is absent on
   * the last page. Throws InvalidPageTokenError for a cursor it did not make or one past the log.
   */
  async historyPage(opts: {
    limit?: number;
    cursor?: string;
  }): Promise<{ items: AuditEntry<T>[]; nextPageToken?: string }> {
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    const key = `${this.key}:history`;
    // entries are appended one per version (the CAS script), so an entry's place is its version less
    // the first entry's; both reads go in one MULTI for one consistent view
    const [[, len], [, first]] = (await this.redis.multi().llen(key).lindex(key, 0).exec()) as [
      [null, number],
      [null, string | null],
    ];
    const base = first ? (JSON.parse(first) as AuditEntry<T>).version : 1;
    const latest = len > 0 ? base + len - 1 : 0;
    const before = opts.cursor ? decodeVersionCursor(opts.cursor, latest) : latest + 1;
    const end = before - 1 - base; // index of the newest entry of this page
    if (end < 0) return { items: [] };
    const start = Math.max(end - limit + 1, 0);
    const raws = await this.redis.lrange(key, start, end);
    const items = raws
      .map((r) => JSON.parse(r) as AuditEntry<T>)
      .filter((e) => e.version < before)
      .reverse()
      .slice(0, limit);
    const oldest = items.at(-1);
    return oldest && oldest.version > base ? { items, nextPageToken: encodeVersionCursor(oldest.version) } : { items };
  }
}
