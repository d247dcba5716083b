/**
 * Starting a lead's workflow — the one way, shared by LeadsClient (API, CLI) and the bulk enrolment
 * activity. The workflow id is `lead-<id>` and a duplicate start is refused by Temporal, so a lead
 * is never started twice, however often it is submitted.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Config } from '../config/env';
import { workflowIdFor } from '../workflows/messages';
import { SA } from '../workflows/search-attributes';
import type { LeadInput, LeadSettings, LeadWorkflowInput } from '../workflows/types';
import type { leadWorkflow } from '../workflows/lead.workflow';

/** The deployment settings every new lead is handed (workflows never read the environment). */
export function leadSettingsFrom(config: Config): LeadSettings {
  return {
    enrichmentRetry: config.ENRICHMENT_RETRY,
    proposalValidity: config.PROPOSAL_VALIDITY,
    proposalReminderBefore: config.PROPOSAL_REMINDER_BEFORE,
  };
}

export async function startLeadWorkflow(
  client: Client,
  taskQueue: string,
  lead: LeadInput,
  createdBy: { actor: string; cause: string },
  settings?: LeadSettings,
  extraMemo?: Record<string, string>,
): Promise<{ id: string; created: boolean }> {
  const input: LeadWorkflowInput = { lead, createdBy, settings };
  try {
    await client.workflow.start<typeof leadWorkflow>('leadWorkflow', {
      taskQueue,
      workflowId: workflowIdFor(lead.id),
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      // display fields for lists (the board) and, for a bulk start, the batch: a memo, unlike a
      // search attribute, goes through the data converter (and a payload codec, if one encrypts)
      // and is not indexed
      memo: { name: lead.name ?? null, company: lead.company ?? null, currency: lead.currency, ...extraMemo },
      typedSearchAttributes: [
        { key: SA.stage, value: lead.stage ?? 'prospecting' },
        { key: SA.status, value: 'open' },
        { key: SA.owner, value: lead.owner },
        { key: SA.team, value: lead.team },
        { key: SA.escalationLevel, value: 0 },
        { key: SA.value, value: lead.value },
        ...(lead.campaign ? [{ key: SA.campaign, value: lead.campaign }] : []),
      ],
    });
    return { id: lead.id, created: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { id: lead.id, created: false };
    throw err;
  }
}
