/**
 * Bulk enrolment batches (README "Nurture flows"; README "HTTP API") in Redis: the batch's status and counts (a hash), its
 * accepted rows as prepared lead inputs (a list, enrolled in order by the batch workflow), and its
 * rejected rows with line numbers and reasons (a list). Kept for BATCH_TTL after they finish.
 */
import crypto from 'node:crypto';
import type Redis from 'ioredis';
import { decodeIndexCursor, encodeIndexCursor } from '../paging';
import type { LeadInput } from '../../workflows/types';

export type BatchStatus = 'parsing' | 'running' | 'done' | 'failed';

export interface Rejected {
  line: number;
  reason: string;
}

export interface Batch {
  id: string;
  status: BatchStatus;
  /** rows read (header excluded) */
  total: number;
  /** rows that passed validation and are (being) enrolled */
  accepted: number;
  /** accepted rows enrolled so far: a new lead started, or an existing one signalled */
  enrolled: number;
  /** of those, how many leads were new (the rest already ran: nothing was started for them) */
  started: number;
  rejected: Rejected[];
  /** how many rows were rejected (the list above stops at `rejectedShown`) */
  rejectedCount: number;
  campaign: string | null;
  createdAt: string;
  createdBy: string;
  finishedAt: string | null;
  error?: string;
}

const BATCH_TTL_SECONDS = 30 * 24 * 3600;
const BATCH_ID = /^b-[a-z0-9]{6,40}$/;

export class BatchStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private meta(id: string): string {
    return `${this.prefix}batch:${id}`;
  }
  private rowsKey(id: string): string {
    return `${this.prefix}batch:${id}:rows`;
  }
  private rejectedKey(id: string): string {
    return `${this.prefix}batch:${id}:rejected`;
  }

  newId(now = new Date()): string {
    return `b-${now.getTime().toString(36)}${crypto.randomBytes(5).toString('hex')}`;
  }

  async create(id: string, campaign: string | null, actor: string, now = new Date()): Promise<void> {
    await this.redis.hset(this.meta(id), {
      id,
      status: 'parsing',
      total: 0,
      accepted: 0,
      enrolled: 0,
      started: 0,
      rejectedCount: 0,
      campaign: campaign ?? '',
      createdAt: now.toISOString(),
      createdBy: actor,
      finishedAt: '',
    });
  }

  /** Appends a slice of parsed rows (one round trip). */
  async append(id: string, accepted: LeadInput[], rejected: Rejected[], total: number): Promise<void> {
    const m = this.redis.multi();
    if (accepted.length) m.rpush(this.rowsKey(id), ...accepted.map((r) => JSON.stringify(r)));
    if (rejected.length) m.rpush(this.rejectedKey(id), ...rejected.map((r) => JSON.stringify(r)));
    m.hincrby(this.meta(id), 'accepted', accepted.length);
    m.hincrby(this.meta(id), 'rejectedCount', rejected.length);
    m.hset(this.meta(id), 'total', total);
    await m.exec();
  }

  async setStatus(id: string, status: BatchStatus, extra: Record<string, string> = {}): Promise<void> {
    const fields: Record<string, string> = { status, ...extra };
    if (status === 'done' || status === 'failed') fields.finishedAt = new Date().toISOString();
    const m = this.redis.multi().hset(this.meta(id), fields);
    if (status === 'done' || status === 'failed') {
      for (const k of [this.meta(id), this.rowsKey(id), this.rejectedKey(id)]) m.expire(k, BATCH_TTL_SECONDS);
    }
    await m.exec();
  }

  /** A refused input: its stored rows are dropped (none is ever enrolled) and the batch is `failed` with the reason. */
  async discard(id: string, error: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.rowsKey(id), this.rejectedKey(id))
      .hset(this.meta(id), { accepted: 0, rejectedCount: 0 })
      .exec();
    await this.setStatus(id, 'failed', { error });
  }

  async rows(id: string, from: number, to: number): Promise<LeadInput[]> {
    if (to <= from) return [];
    const raw = await this.redis.lrange(this.rowsKey(id), String(from), String(to - 1));
    return raw.map((r) => JSON.parse(r) as LeadInput);
  }

  /**
   * Records a finished chunk [from, to): chunks run in order, so `enrolled` is simply `to`; `started`
   * is a per-chunk field summed on read, so a retried chunk is counted once.
   */
  async chunkDone(id: string, to: number, startedInChunk: number, chunkKey: string): Promise<void> {
    await this.redis
      .multi()
      .hset(this.meta(id), 'enrolled', to)
      .hset(`${this.meta(id)}:started`, chunkKey, startedInChunk)
      .exec();
  }

  /**
   * One page of a batch's rejected rows, in the order they were read, at most `limit` (1–1000).
   * The list only grows at its tail while the batch is read, so the cursor (store/paging.ts)
   * is the place after the last row returned: nothing moves past it. Null for an unknown batch;
   * InvalidPageTokenError for a cursor it did not make or one past the list.
   */
  async rejectedPage(
    id: string,
    opts: { limit?: number; cursor?: string },
  ): Promise<{ items: Rejected[]; nextPageToken?: string } | null> {
    if (!BATCH_ID.test(id)) return null;
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    const [[, exists], [, len]] = (await this.redis
      .multi()
      .exists(this.meta(id))
      .llen(this.rejectedKey(id))
      .exec()) as [[unknown, number], [unknown, number]];
    if (!exists) return null;
    const from = opts.cursor ? decodeIndexCursor(opts.cursor, len) : 0;
    const raw = await this.redis.lrange(this.rejectedKey(id), String(from), String(from + limit - 1));
    const items = raw.map((r) => JSON.parse(r) as Rejected);
    const next = from + items.length;
    // rows rejected since the first read (a batch still parsing) are on a next page too
    const more = next < len || (await this.redis.llen(this.rejectedKey(id))) > next;
    return more ? { items, nextPageToken: encodeIndexCursor(next) } : { items };
  }

  async get(id: string, rejectedShown = 1000): Promise<Batch | null> {
    if (!BATCH_ID.test(id)) return null;
    const [[, meta], [, rejected], [, started]] = (await this.redis
      .multi()
      .hgetall(this.meta(id))
      .lrange(this.rejectedKey(id), '0', String(rejectedShown - 1))
      .hvals(`${this.meta(id)}:started`)
      .exec()) as [[unknown, Record<string, string>], [unknown, string[]], [unknown, string[]]];
    if (!meta || !meta.id) return null;
    return {
      id,
      status: meta.status as BatchStatus,
      total: Number(meta.total),
      accepted: Number(meta.accepted),
      enrolled: Number(meta.enrolled),
      started: started.reduce((n, v) => n + Number(v), 0),
      rejected: rejected.map((r) => JSON.parse(r) as Rejected).sort((a, b) => a.line - b.line),
      rejectedCount: Number(meta.rejectedCount),
      campaign: meta.campaign || null,
      createdAt: meta.createdAt,
      createdBy: meta.createdBy,
      finishedAt: meta.finishedAt || null,
      ...(meta.error ? { error: meta.error } : {}),
    };
  }
}
