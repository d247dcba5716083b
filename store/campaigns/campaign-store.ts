/**
 * Campaigns (README "Nurture flows"): a named nurture flow — a cadence and a state (active, paused, cancelled).
 * Each campaign is a versioned, audited document (store/config/versioned-config.ts), so every
 * pause, resume and cancel is recorded with who and when, and a running lead can tell which state
 * is newer than the one it already saw (the version). The leads enrolled are a Redis set.
 */
import type Redis from 'ioredis';
import { VersionedConfig, type AuditEntry, type Versioned } from '../config/versioned-config';
import { zsetPage } from '../paging';

import type { CampaignControl, CampaignState } from '../../workflows/types';
import { isId } from '../../workflows/policy/ids';

export type { CampaignControl, CampaignState };

export interface CampaignBody {
  id: string;
  name: string;
  /** the cadence its leads get unless a row names another */
  cadence: string;
  state: CampaignState;
  createdAt: string;
  createdBy: string;
}
export type Campaign = CampaignBody & Versioned;

const CAMPAIGN_ID = { test: (id: string) => isId(id) };

export class CampaignStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private doc(id: string): VersionedConfig<CampaignBody | Record<string, never>> {
    return new VersionedConfig<CampaignBody | Record<string, never>>(
      this.redis,
      this.prefix,
      `campaign:${id}`,
      () => ({}),
    );
  }
  private get indexKey(): string {
    return `${this.prefix}campaigns`;
  }
  leadsKey(id: string): string {
    return `${this.prefix}campaign-leads:${id}`;
  }

  async get(id: string): Promise<Campaign | null> {
    if (!CAMPAIGN_ID.test(id)) return null;
    const d = await this.doc(id).get();
    return d.version === 0 ? null : (d as Campaign);
  }

  /** Creates it; false when a campaign with this id exists already (nothing is changed then). */
  async create(body: CampaignBody, actor: string): Promise<{ campaign: Campaign; created: boolean }> {
    let existed = false;
    const { doc } = await this.doc(body.id)
      .update(actor, (cur) => {
        if (cur.version > 0) {
          existed = true;
          throw new Existing();
        }
        return body;
      })
      .catch(async (e) => {
        if (e instanceof Existing) return { doc: (await this.doc(body.id).get()) as Campaign };
        throw e;
      });
    if (!existed) await this.redis.zadd(this.indexKey, Date.parse(body.createdAt), body.id);
    return { campaign: doc as Campaign, created: !existed };
  }

  /** Moves the state with a compare-and-set; `allowed` says from which states (else a TransitionError). */
  async setState(id: string, to: CampaignState, actor: string): Promise<Campaign> {
    const { doc } = await this.doc(id).update(actor, (cur) => {
      if (cur.version === 0) throw new CampaignNotFound(`no campaign "${id}"`);
      const c = cur as Campaign;
      const ok =
        (to === 'paused' && c.state === 'active') ||
        (to === 'active' && c.state === 'paused') ||
        (to === 'cancelled' && c.state !== 'cancelled');
      if (!ok)
        throw new CampaignTransitionError(
          `campaign "${id}" is ${c.state}; it cannot be ${to === 'active' ? 'resumed' : to}`,
        );
      const { version: _v, updatedAt: _a, updatedBy: _b, ...body } = c;
      return { ...body, state: to };
    });
    return doc as Campaign;
  }

  async history(id: string, limit = 100): Promise<AuditEntry<unknown>[]> {
    return this.doc(id).history(limit);
  }

  /** One page of a campaign's audit log, newest first (VersionedConfig.historyPage). */
  async historyPage(
    id: string,
    opts: { limit?: number; cursor?: string },
  ): Promise<{ items: AuditEntry<unknown>[]; nextPageToken?: string }> {
    return this.doc(id).historyPage(opts);
  }

  /**
   * One page of campaign ids, oldest first (by creation time, then id), at most `limit` (1–1000).
   * A keyset cursor (store/paging.ts): campaigns created while a caller pages never shift one
   * past it. Throws InvalidPageTokenError for a cursor it did not make.
   */
  async list(opts: { limit?: number; cursor?: string } = {}): Promise<{ ids: string[]; nextPageToken?: string }> {
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    const page = await zsetPage<string>({
      redis: this.redis,
      key: this.indexKey,
      limit,
      cursor: opts.cursor,
      load: async (ids) => new Map(ids.map((id) => [id, id])),
    });
    return page.nextCursor ? { ids: page.items, nextPageToken: page.nextCursor } : { ids: page.items };
  }

  async addLeads(id: string, leadIds: string[]): Promise<void> {
    if (leadIds.length) await this.redis.sadd(this.leadsKey(id), ...leadIds);
  }

  async size(id: string): Promise<number> {
    return this.redis.scard(this.leadsKey(id));
  }

  async control(id: string): Promise<CampaignControl | null> {
    const c = await this.get(id);
    return c ? { campaign: id, state: c.state, version: c.version } : null;
  }
}

class Existing extends Error {}
/** Error codes `not_found` and `campaign_transition` (docs/ERRORS.md). */
export class CampaignNotFound extends Error {
  override name = 'CampaignNotFound';
  readonly code = 'not_found' as const;
}
export class CampaignTransitionError extends Error {
  override name = 'CampaignTransitionError';
  readonly code = 'campaign_transition' as const;
}
