/**
 * Starting a lead's workflow — the one way, shared by LeadsClient (API, CLI) and the bulk enrolment
 * activity (JSON bulk, CSV, campaign enrolment). The workflow id is `lead-<id>` and a duplicate
 * start is refused by Temporal, so a lead is never started twice, however often it is submitted.
 *
 * Before anything starts, the normalised address is resolved in the address index (README "One lead
 * per person"), atomically, so two imports or two API replicas agree:
 * - an input without an id for an address that has an open lead IS that lead (`created: false`);
 *   for an address whose leads are all closed it is the newest closed lead, which is not re-opened;
 * - an explicit new id for an address whose leads are all closed starts a new deal linked to the
 *   newest closed one (`previousLeadId`);
 * - an explicit new id for an address another open lead holds is refused (ConflictError naming it,
 *   field `email`).
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../config/env';
import { workflowIdFor } from '../workflows/messages';
import { SA } from '../workflows/search-attributes';
import type { LeadInput, LeadSettings, LeadWorkflowInput } from '../workflows/types';
import type { leadWorkflow } from '../workflows/lead.workflow';
import type { LeadAddressIndex } from './enrichment/duplicates';
import { ConflictError } from './request-errors';
import { leadIdFromEmail } from './enrichment/normalise';

/** The deployment settings every new lead is handed (workflows never read the environment). */
export function leadSettingsFrom(config: Config): LeadSettings {
  return {
    enrichmentRetry: config.ENRICHMENT_RETRY,
    proposalValidity: config.PROPOSAL_VALIDITY,
    proposalReminderBefore: config.PROPOSAL_REMINDER_BEFORE,
  };
}

export interface StartLeadDeps {
  client: Client;
  taskQueue: string;
  /** the address index every start resolves through first */
  addresses: LeadAddressIndex;
}

export interface StartLeadResult {
  /** the lead the input is: the new one, or the one that already has the address */
  id: string;
  created: boolean;
  /** why the input is an existing lead (set when `id` is not the input's own id or nothing started) */
  reason?: string;
  /** the closed lead a returning customer's new deal follows */
  previousLeadId?: string;
}

/** An explicit new id for an address another open lead has (409, field `email`, naming that lead). */
export class AddressTakenError extends ConflictError {
  constructor(readonly openLeadId: string) {
    super(
      `lead ${openLeadId} is open for this email address; one person has one open lead (update it, or close it before starting a new deal)`,
      'address_taken',
      [{ path: 'email', message: `the address of open lead ${openLeadId}` }],
    );
  }
}

/** An input's id is explicit unless it is the one derived from its address (README "One lead per person"). */
export function hasExplicitId(lead: Pick<LeadInput, 'id' | 'email'>): boolean {
  return lead.id !== leadIdFromEmail(lead.email);
}

export async function startLeadWorkflow(
  d: StartLeadDeps,
  lead: LeadInput,
  createdBy: { actor: string; cause: string },
  settings?: LeadSettings,
  extraMemo?: Record<string, string>,
): Promise<StartLeadResult> {
  const explicit = hasExplicitId(lead);
  for (let round = 0; ; round++) {
    const r = await d.addresses.resolve(lead.email, lead.id, explicit);
    if (r.kind === 'stale') {
      // a claim whose start never confirmed (a process died in between): settle it, then look again
      if (round >= 3) throw new Error(`the address index keeps a stale claim by lead ${r.id}`);
      await settleStaleClaim(d, lead.email, r.id);
      continue;
    }
    if (r.kind === 'conflict') {
      // the open lead may have closed a moment ago, before its workflow told the index: look
      if (round < 3 && (await closedMeanwhile(d, lead.email, r.id))) continue;
      throw new AddressTakenError(r.id);
    }
    if (r.kind === 'existing' && (r.id !== lead.id || r.status === 'closed')) {
      const reason =
        r.status === 'closed'
          ? 'the newest lead for this email address, closed and not re-opened: send a new id to start a new deal for this person'
          : 'the open lead for this email address';
      return { id: r.id, created: false, reason };
    }
    if (r.kind === 'same' && r.status === 'closed') return { id: r.id, created: false, reason: 'this lead is closed' };
    const previousLeadId = r.kind === 'new' ? r.previousLeadId : undefined;
    const toStart: LeadInput = previousLeadId ? { ...lead, previousLeadId } : lead;
    const cause = previousLeadId
      ? `${createdBy.cause} (a new deal for the person of closed lead ${previousLeadId})`
      : createdBy.cause;
    let created: boolean;
    try {
      created = await start(d, { lead: toStart, createdBy: { actor: createdBy.actor, cause }, settings }, extraMemo);
    } catch (err) {
      if (r.kind === 'new') await d.addresses.dropPending(lead.email, lead.id).catch(() => undefined);
      throw err;
    }
    if (created || r.kind !== 'new') {
      await d.addresses.setStatus(lead.email, lead.id, 'open');
    } else if (!explicit) {
      // the address's own lead, started before the address index knew it: record it as it is
      await settleStaleClaim(d, lead.email, lead.id);
    } else {
      // the id is taken by a workflow this claim did not start (an id reused across addresses)
      await d.addresses.dropPending(lead.email, lead.id);
    }
    return { id: lead.id, created, ...(previousLeadId ? { previousLeadId } : {}) };
  }
}

/** Confirms a stale `pending` claim whose workflow exists, or drops it when it never started. */
async function settleStaleClaim(d: StartLeadDeps, email: string, id: string): Promise<void> {
  try {
    const desc = await d.client.workflow.getHandle(workflowIdFor(id)).describe();
    const open = desc.status.name === 'RUNNING' && desc.typedSearchAttributes.get(SA.status) === 'open';
    await d.addresses.setStatus(email, id, open ? 'open' : 'closed', desc.startTime.getTime());
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    await d.addresses.dropPending(email, id);
  }
}

/** Starts the workflow; false when one with its id exists (running, or closed within retention). */
/** True (and the index updated) when the lead's workflow says it is no longer open. */
async function closedMeanwhile(d: StartLeadDeps, email: string, id: string): Promise<boolean> {
  const desc = await d.client.workflow
    .getHandle(workflowIdFor(id))
    .describe()
    .catch(() => undefined);
  if (!desc || (desc.status.name === 'RUNNING' && desc.typedSearchAttributes.get(SA.status) === 'open')) return false;
  await d.addresses.setStatus(email, id, 'closed', desc.startTime.getTime());
  return true;
}

async function start(
  d: StartLeadDeps,
  input: LeadWorkflowInput & { lead: LeadInput },
  extraMemo?: Record<string, string>,
): Promise<boolean> {
  const { lead } = input;
  try {
    await d.client.workflow.start<typeof leadWorkflow>('leadWorkflow', {
      taskQueue: d.taskQueue,
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
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}
