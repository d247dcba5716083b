/**
 * Campaigns for marketing ops (README "Nurture flows"): create, read with progress, pause, resume, cancel. A state
 * change is stored first (versioned and audited) and then pushed to the campaign's running leads by
 * `campaignControlWorkflow`; each lead also reads the state right before every cadence send, so a
 * lead enrolled while the push runs is held all the same.
 */
import type { Client } from '@temporalio/client';
import type Redis from 'ioredis';
import { z } from 'zod';
import {
  CampaignNotFound,
  CampaignStore,
  CampaignTransitionError,
  type Campaign,
  type CampaignState,
} from '../store/campaigns/campaign-store';
import { cadencesStore } from '../store/config/cadences-store';
import type { campaignControlWorkflow } from '../workflows/campaign.workflow';
import { ConflictError, NotFoundError, ValidationError } from '../store/request-errors';
import { idSchema, oneLineText, parseOrThrow } from './lead-input';
import type { LeadsClient } from './leads';

export const campaignInputSchema = z.strictObject({
  id: idSchema().optional(),
  name: z.string().trim().pipe(oneLineText(200).min(1, 'required')),
  cadence: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a cadence name')
    .default('default'),
});

export interface CampaignView extends Campaign {
  /** leads enrolled (each counted once, however often it was enrolled) */
  size: number;
  /** where its leads are now, from Temporal visibility */
  progress: { open: number; inApproach: number; won: number; lost: number; disqualified: number; completed: number };
}

export class CampaignsClient {
  readonly store: CampaignStore;

  constructor(
    private readonly d: { redis: Redis; prefix: string; temporal: Client; taskQueue: string; leads: LeadsClient },
  ) {
    this.store = new CampaignStore(d.redis, d.prefix);
  }

  async create(body: unknown, actor: string): Promise<{ campaign: Campaign; created: boolean }> {
    const b = parseOrThrow(campaignInputSchema, body, 'campaign');
    const cadences = (await cadencesStore(this.d.redis, this.d.prefix).get()).cadences;
    if (!(b.cadence in cadences))
      throw new ValidationError(`no cadence "${b.cadence}"`, [
        { path: 'cadence', message: `known: ${Object.keys(cadences).join(', ')}` },
      ]);
    const id =
      b.id ??
      `c-${
        b.name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, '')
          .slice(0, 60) || 'campaign'
      }-${Date.now().toString(36)}`;
    return this.store.create(
      { id, name: b.name, cadence: b.cadence, state: 'active', createdAt: new Date().toISOString(), createdBy: actor },
      actor,
    );
  }

  async get(id: string): Promise<CampaignView> {
    const c = await this.store.get(id);
    if (!c) throw new NotFoundError(`no campaign "${id}"`);
    const count = (f: Parameters<LeadsClient['countMatching']>[0]) =>
      this.d.leads.countMatching({ campaign: id, ...f });
    const [size, open, inApproach, won, lost, disqualified, completed] = await Promise.all([
      this.store.size(id),
      count({ status: 'open' }),
      count({ status: 'open', stage: 'approach' }),
      count({ status: 'won' }),
      count({ status: 'lost' }),
      count({ status: 'disqualified' }),
      count({ status: 'completed' }),
    ]);
    return { ...c, size, progress: { open, inApproach, won, lost, disqualified, completed } };
  }

  /** One page of campaigns, oldest first (CampaignStore.list: keyset-paged). */
  async list(opts: { limit?: number; cursor?: string } = {}): Promise<{ items: Campaign[]; nextPageToken?: string }> {
    const { ids, nextPageToken } = await this.store.list(opts);
    const all = await Promise.all(ids.map((id) => this.store.get(id)));
    const items = all.filter((c): c is Campaign => !!c);
    return nextPageToken ? { items, nextPageToken } : { items };
  }

  /** pause | resume | cancel: stored, then pushed to the running leads by a workflow (one per version). */
  async setState(id: string, action: 'pause' | 'resume' | 'cancel', actor: string): Promise<Campaign> {
    const to: CampaignState = action === 'pause' ? 'paused' : action === 'resume' ? 'active' : 'cancelled';
    let c: Campaign;
    try {
      c = await this.store.setState(id, to, actor);
    } catch (err) {
      if (err instanceof CampaignNotFound) throw new NotFoundError(err.message);
      if (err instanceof CampaignTransitionError) throw new ConflictError(err.message, err.code);
      throw err;
    }
    await this.d.temporal.workflow.start<typeof campaignControlWorkflow>('campaignControlWorkflow', {
      taskQueue: this.d.taskQueue,
      workflowId: `campaign-control-${id}-v${c.version}`,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ control: { campaign: id, state: c.state, version: c.version } }],
    });
    return c;
  }
}
