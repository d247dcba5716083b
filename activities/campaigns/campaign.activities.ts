/**
 * Campaign and bulk-enrolment activities: the campaign state a lead reads before a cadence send,
 * the push of a new campaign state to its running leads, and enrolling one chunk of a batch.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../deps';
import { CampaignStore, type CampaignControl } from '../../store/campaigns/campaign-store';
import { BatchStore } from '../../store/campaigns/batch-store';
import { campaignControlSignal, enrolledSignal, workflowIdFor } from '../../workflows/messages';
import { AddressTakenError, leadSettingsFrom, startLeadWorkflow, type StartLeadResult } from '../../store/start-lead';
import { createLeadAddressIndex } from '../../store/enrichment/duplicates';
import { inParallel } from '../../store/in-parallel';
import { signalEachMatching } from '../signal-matching';

/** How many starts/signals of one chunk are in flight at once. */
const CONCURRENCY = 16;

export function createCampaignActivities(deps: ActivityDeps) {
  const campaigns = new CampaignStore(deps.redis, deps.prefix);
  const batches = new BatchStore(deps.redis, deps.prefix);
  const addresses = createLeadAddressIndex(deps.redis, deps.prefix);
  const temporal = (): Client => {
    if (!deps.temporal) throw new Error('this worker has no Temporal client for campaigns');
    return deps.temporal();
  };

  return {
    async getCampaignControl({ campaign }: { campaign: string }): Promise<CampaignControl | null> {
      return campaigns.control(campaign);
    },

    /** Signals every running lead of a campaign with its new state (page by page, heartbeating progress). */
    async signalCampaignLeads({ control }: { control: CampaignControl }): Promise<number> {
      const query = `WorkflowType = 'leadWorkflow' AND DealflowCampaign = '${control.campaign}' AND ExecutionStatus = 'Running'`;
      return signalEachMatching(temporal(), deps.namespace, query, campaignControlSignal, control);
    },

    /**
     * Enrols rows [from, to) of a batch: starts each lead's workflow, or — when it already runs, or
     * the person already has an open lead (README "One lead per person") — signals that lead
     * `enrolled` instead of starting a second one.
     * Safe to retry: a start is refused for a running lead, and a lead this batch started in an
     * earlier attempt is still counted as started (the batch id is in its memo).
     */
    async enrolChunk({
      batchId,
      from,
      to,
      actor,
    }: {
      batchId: string;
      from: number;
      to: number;
      actor: string;
    }): Promise<{ started: number; existing: number }> {
      const client = temporal();
      const ctx = Context.current();
      const retry = ctx.info.attempt > 1;
      const rows = await batches.rows(batchId, from, to);
      const settings = leadSettingsFrom(deps.config);
      let started = 0;
      let existing = 0;
      const byCampaign = new Map<string, string[]>();
      const start = { client, taskQueue: deps.config.TEMPORAL_TASK_QUEUE, addresses };
      await inParallel(rows, CONCURRENCY, async (lead) => {
        let r: StartLeadResult;
        try {
          r = await startLeadWorkflow(
            start,
            lead,
            { actor, cause: `enrolled by batch ${batchId}${lead.campaign ? ` (campaign ${lead.campaign})` : ''}` },
            settings,
            { batch: batchId },
          );
        } catch (err) {
          if (!(err instanceof AddressTakenError)) throw err;
          // an explicit new id for a person with another open lead (the submit check missed it: a
          // lead created meanwhile): nothing starts (README "One lead per person")
          deps.log.warn(
            { batchId, leadId: lead.id, reason: err.message },
            'batch row not enrolled: the person has another open lead',
          );
          existing += 1;
          return;
        }
        // r.id is the lead this row IS: an existing open lead of the same person is signalled
        let mine = r.created;
        if (!r.created) {
          const handle = client.workflow.getHandle(workflowIdFor(r.id));
          if (retry) {
            const d = await handle.describe().catch(() => undefined);
            mine = d?.memo?.batch === batchId;
          }
          if (!mine) {
            await handle
              .signal(enrolledSignal, { campaign: lead.campaign, cadence: lead.cadence, batchId, actor })
              .catch(() => undefined); // closed: nothing to tell
          }
        }
        if (mine) started += 1;
        else existing += 1;
        if (lead.campaign) {
          const ids = byCampaign.get(lead.campaign) ?? [];
          ids.push(r.id);
          byCampaign.set(lead.campaign, ids);
        }
      });
      for (const [c, ids] of byCampaign) await campaigns.addLeads(c, ids);
      await batches.chunkDone(batchId, to, started, String(from));
      return { started, existing };
    },

    async finishBatch({
      batchId,
      status,
      error,
    }: {
      batchId: string;
      status: 'done' | 'failed';
      error?: string;
    }): Promise<void> {
      await batches.setStatus(batchId, status, error ? { error } : {});
    },
  };
}
