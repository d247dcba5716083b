/**
 * Longer than our ~400-line guide on purpose: one method per lead operation, each short, on one client class.
 *
 * LeadsClient: everything that talks to the lead workflows as a client. The API, the CLI and the
 * tests all use this one class, so they behave the same.
 */
import {
  Client,
  isGrpcServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import {
  decodeFromPayloadsAtIndex,
  decodeMapFromPayloads,
} from '@temporalio/common/lib/internal-non-workflow/codec-helpers';
import type Redis from 'ioredis';
import { DEFAULT_LEAD, type ActivityType, type OpenStage, type Stage, type Status } from '../config/defaults';
import { RosterIndex } from '../config/roster';
import type { Task } from '../store/tasks/task';
import type { TaskStore } from '../store/tasks/task-store';
import { TaskNotFoundError } from '../store/tasks/task-store';
import { InvalidPageTokenError } from '../store/paging';
import {
  customerRepliedSignal,
  disqualifyUpdate,
  logActivityUpdate,
  markLostUpdate,
  markWonUpdate,
  moveStageUpdate,
  stateQuery,
  taskCompletedSignal,
  claimTaskUpdate,
  qualifyUpdate,
  unsubscribedSignal,
  WORKFLOW_TYPE,
  workflowIdFor,
  leadIdFromWorkflowId,
} from '../workflows/messages';
import { SA } from '../workflows/search-attributes';
import type {
  LeadInput,
  LeadSettings,
  LeadState,
  LeadSummary,
  LeadWorkflowInput,
  Qualification,
  RepliedSignal,
} from '../workflows/types';
import type { leadWorkflow } from '../workflows/lead.workflow';
import { CodedError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../store/request-errors';
import { accessOf, canActOn, type Access } from '../workflows/policy/access';
import { isErrorCode } from '../workflows/policy/errors';
import { startLeadWorkflow, type StartLeadResult } from '../store/start-lead';
import { LeadWriteLanes } from './lead-writes';
import { normaliseEmail } from '../store/enrichment/normalise';
import { leadInputSchema, parseOrThrow, type LeadInputBody } from './lead-input';
import { leadIdFromEmail } from '../store/enrichment/normalise';
import { createLeadAddressIndex, type LeadAddressIndex } from '../store/enrichment/duplicates';
import { InvalidInputError } from '../store/errors';

export interface LeadListItem {
  id: string;
  stage: Stage | null;
  status: Status | null;
  owner: string | null;
  team: string | null;
  escalationLevel: number;
  value: number | null;
  /** ISO 4217 currency of `value`, from the memo (null for leads started before it was written) */
  currency: string | null;
  campaign: string | null;
  startedAt: string | null;
  /** from the workflow's memo (null for leads started before it was written) */
  name: string | null;
  company: string | null;
}

export interface ListFilter {
  stage?: string;
  owner?: string;
  team?: string;
  status?: string;
  stalled?: boolean;
  campaign?: string;
  pageSize?: number;
  pageToken?: string;
}

export interface LeadsClientOptions {
  client: Client;
  taskQueue: string;
  namespace: string;
  redis: Redis;
  tasks: TaskStore;
  roster: () => RosterIndex;
  prefix?: string;
  /** deployment settings handed to every new lead */
  settings?: LeadSettings;
}

const KEYWORD = /^[A-Za-z0-9._:-]{1,128}$/;

export class LeadsClient {
  /** the address → leads index every start resolves through (README "One lead per person") */
  readonly addresses: LeadAddressIndex;
  /** this process's updates to one lead run a few at a time (client/lead-writes.ts) */
  private readonly writes = new LeadWriteLanes();

  constructor(private readonly o: LeadsClientOptions) {
    this.addresses = createLeadAddressIndex(o.redis, o.prefix ?? 'dealflow:');
  }

  get temporal(): Client {
    return this.o.client;
  }

  handle(leadId: string): WorkflowHandle<typeof leadWorkflow> {
    return this.o.client.workflow.getHandle<typeof leadWorkflow>(workflowIdFor(leadId));
  }

  /** Validates and normalises raw input into the workflow's LeadInput (assigning an owner if none). */
  async prepare(body: unknown): Promise<LeadInput> {
    const b: LeadInputBody = parseOrThrow(leadInputSchema, body, 'lead');
    const roster = this.o.roster();
    let email: string;
    try {
      email = normaliseEmail(b.email);
    } catch (err) {
      if (err instanceof InvalidInputError)
        throw new ValidationError('invalid lead: email: must be an email address', [
          { path: 'email', message: 'must be an email address' },
        ]);
      throw err;
    }
    let team = b.team;
    let owner = b.owner;
    if (owner) {
      const ownerTeam = roster.teamOfRep(owner);
      if (!ownerTeam)
        throw new ValidationError(`unknown owner "${owner}"`, [{ path: 'owner', message: 'not a rep in the roster' }]);
      if (team && team !== ownerTeam) {
        throw new ValidationError(`owner "${owner}" is not in team "${team}"`, [
          { path: 'team', message: `owner ${owner} belongs to ${ownerTeam}` },
        ]);
      }
      team = ownerTeam;
    } else {
      team = team ?? roster.teams()[0] ?? DEFAULT_LEAD.team;
      const t = roster.team(team);
      if (!t)
        throw new ValidationError(`unknown team "${team}"`, [{ path: 'team', message: 'not a team in the roster' }]);
      owner = await this.roundRobin(
        team,
        t.reps.map((r) => r.id),
      );
    }
    return {
      id: b.id ?? leadIdFromEmail(email),
      email,
      name: b.name,
      company: b.company,
      title: b.title,
      phone: b.phone,
      owner,
      team,
      source: b.source,
      timezone: b.timezone ?? DEFAULT_LEAD.timezone,
      locale: b.locale ?? DEFAULT_LEAD.locale,
      value: b.value ?? 0,
      currency: b.currency ?? DEFAULT_LEAD.currency,
      tags: b.tags ?? [],
      campaign: b.campaign,
      cadence: b.cadence,
      stage: b.stage as OpenStage | undefined,
    };
  }

  private async roundRobin(team: string, reps: string[]): Promise<string> {
    const n = await this.o.redis.incr(`${this.o.prefix ?? 'dealflow:'}rr:${team}`);
    return reps[(n - 1) % reps.length];
  }

  /**
   * Creates and starts a lead. Idempotent: the workflow id is `lead-<id>`, and a second create of
   * the same id returns the existing lead with created=false. One person, one open lead (README "One
   * lead per person"): an input without an id for an address that has a lead is that lead
   * (created=false, `reason` says why); an explicit new id for an address another open lead has is a
   * ConflictError (409, field `email`); an explicit new id for an address whose leads are closed
   * starts a new deal linked to the newest closed one (`previousLeadId`).
   */
  async create(body: unknown, actor: string, cause = `created by ${actor}`): Promise<StartLeadResult> {
    const lead = await this.prepare(body);
    return this.start(lead, actor, cause);
  }

  async start(lead: LeadInput, actor: string, cause: string): Promise<StartLeadResult> {
    return startLeadWorkflow(
      { client: this.o.client, taskQueue: this.o.taskQueue, addresses: this.addresses },
      lead,
      { actor, cause },
      this.o.settings,
    );
  }

  /**
   * Records every lead of this deployment (its task queue; running and closed, through Temporal
   * visibility) in the address index: for leads started before the index existed (`dealflow lead
   * reindex`, README "One lead per person"). The address and creation time come from each run's
   * start event (no worker needed), the status from the `DealflowStatus` search attribute.
   * Idempotent; a lead whose start event cannot be read is counted as unreadable.
   */
  async reindexAddresses(
    onProgress?: (read: number) => void,
  ): Promise<{ leads: number; changed: number; unreadable: number }> {
    const converter = this.o.client.options.loadedDataConverter;
    const query = `WorkflowType = '${WORKFLOW_TYPE}' AND TaskQueue = '${this.o.taskQueue}' AND ExecutionStatus != 'ContinuedAsNew'`;
    let token: Uint8Array | undefined;
    let leads = 0;
    let changed = 0;
    let unreadable = 0;
    do {
      const page = await this.o.client.workflowService.listWorkflowExecutions({
        namespace: this.o.namespace,
        query,
        pageSize: 200,
        nextPageToken: token,
      });
      for (const e of page.executions ?? []) {
        leads += 1;
        const id = leadIdFromWorkflowId(e.execution?.workflowId ?? '');
        // open only while it runs with status open (a terminated lead keeps its last search attributes)
        const running = !e.closeTime;
        const status =
          running && decodeTypedSearchAttributes(e.searchAttributes?.indexedFields).get(SA.status) === 'open'
            ? 'open'
            : 'closed';
        try {
          const first = await this.o.client.workflowService.getWorkflowExecutionHistory({
            namespace: this.o.namespace,
            execution: e.execution,
            maximumPageSize: 1,
          });
          const payloads = first.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
          const input = await decodeFromPayloadsAtIndex<LeadWorkflowInput>(converter, 0, payloads);
          const started = e.startTime?.seconds
            ? Number(e.startTime.seconds) * 1000 + Math.floor((e.startTime.nanos ?? 0) / 1e6)
            : Date.now();
          const createdAt = Date.parse(input.state?.createdAt ?? '') || started;
          if (await this.addresses.setStatus(input.lead.email, id, status, createdAt)) changed += 1;
        } catch {
          unreadable += 1;
        }
      }
      onProgress?.(leads);
      token = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (token);
    return { leads, changed, unreadable };
  }

  async get(id: string): Promise<LeadState> {
    try {
      return await this.handle(id).query(stateQuery);
    } catch (err) {
      const mapped = this.mapError(err, id);
      if (mapped instanceof NotFoundError) {
        // closed and past Temporal's retention: the archive written when it closed
        const archived = await this.o.redis.get(`${this.o.prefix ?? 'dealflow:'}lead-archive:${id}`);
        if (archived) return JSON.parse(archived) as LeadState;
      }
      throw mapped;
    }
  }

  /**
   * Who the lead belongs to, for an access check before a change. Read from the workflow's search
   * attributes with DescribeWorkflowExecution, which the server answers alone; the `state` query
   * would wait for a worker to run a workflow task, and behind a busy task queue that takes seconds
   * (BENCHMARKS.md). Falls back to the state (or its archive) when the attributes are missing.
   */
  async ownership(id: string): Promise<{ id: string; owner: string; team: string }> {
    try {
      const sa = (await this.handle(id).describe()).typedSearchAttributes;
      const owner = sa.get(SA.owner);
      const team = sa.get(SA.team);
      if (owner && team) return { id, owner, team };
    } catch (err) {
      if (!(this.mapError(err, id) instanceof NotFoundError)) throw this.mapError(err, id);
    }
    const s = await this.get(id);
    return { id, owner: s.owner, team: s.team };
  }

  /** The lead's state with its tasks' current details from the task store. */
  async getWithTasks(id: string): Promise<LeadState & { tasks: (Task | LeadState['tasks'][number])[] }> {
    const state = await this.get(id);
    const tasks = await this.o.tasks.forLead(id);
    const byId = new Map(tasks.map((t) => [t.id, t]));
    return { ...state, tasks: state.tasks.map((t) => byId.get(t.id) ?? t) };
  }

  /**
   * Lists leads through Temporal visibility and the custom search attributes, at most `pageSize`
   * (1–1000, default 100) a page. `pageToken` is the `nextPageToken` of the page before: Temporal's
   * own cursor (the start time and run of the last lead returned, newest first), base64url. A token
   * Temporal refuses is an InvalidPageTokenError.
   */
  async list(f: ListFilter): Promise<{ items: LeadListItem[]; nextPageToken?: string }> {
    const query = this.visibilityQuery(f);
    const pageSize = Math.min(Math.max(f.pageSize ?? 100, 1), 1000);
    if (f.pageToken !== undefined && !/^[A-Za-z0-9_-]{1,8000}$/.test(f.pageToken))
      throw new InvalidPageTokenError('the page token is malformed');
    const page = (nextPageToken?: Uint8Array, size = pageSize) =>
      this.o.client.workflowService.listWorkflowExecutions({
        namespace: this.o.namespace,
        query,
        pageSize: size,
        nextPageToken,
      });
    const res = await page(f.pageToken ? Buffer.from(f.pageToken, 'base64url') : undefined).catch(
      async (err: unknown) => {
        // Temporal answers a token it cannot read with INVALID_ARGUMENT or, on SQL visibility, UNKNOWN:
        // when the same query without the token works, the token was the problem
        if (!f.pageToken) throw err;
        const withoutToken = await page(undefined, 1).then(
          () => true,
          () => false,
        );
        throw withoutToken ? new InvalidPageTokenError('the page token is not valid for this list') : err;
      },
    );
    if ((res.executions?.length ?? 0) > pageSize)
      throw new Error(`visibility returned ${res.executions.length} leads for a page of ${pageSize}`);
    const converter = this.o.client.options.loadedDataConverter;
    const items: LeadListItem[] = await Promise.all(
      (res.executions ?? []).map(async (e) => {
        const sa = decodeTypedSearchAttributes(e.searchAttributes?.indexedFields);
        const memo = ((await decodeMapFromPayloads(converter, e.memo?.fields).catch(() => undefined)) ?? {}) as {
          name?: unknown;
          company?: unknown;
          currency?: unknown;
        };
        const start = e.startTime?.seconds ? new Date(Number(e.startTime.seconds) * 1000).toISOString() : null;
        return {
          id: leadIdFromWorkflowId(e.execution?.workflowId ?? ''),
          stage: (sa.get(SA.stage) as Stage | undefined) ?? null,
          status: (sa.get(SA.status) as Status | undefined) ?? null,
          owner: sa.get(SA.owner) ?? null,
          team: sa.get(SA.team) ?? null,
          escalationLevel: Number(sa.get(SA.escalationLevel) ?? 0),
          value: sa.get(SA.value) ?? null,
          currency: typeof memo.currency === 'string' ? memo.currency : null,
          campaign: sa.get(SA.campaign) ?? null,
          startedAt: start,
          name: typeof memo.name === 'string' ? memo.name : null,
          company: typeof memo.company === 'string' ? memo.company : null,
        };
      }),
    );
    const token =
      res.nextPageToken && res.nextPageToken.length ? Buffer.from(res.nextPageToken).toString('base64url') : undefined;
    return { items, nextPageToken: token };
  }

  /** How many leads match a filter (Temporal's count over the same query as list). */
  async countMatching(f: ListFilter): Promise<number> {
    const res = await this.o.client.workflowService.countWorkflowExecutions({
      namespace: this.o.namespace,
      query: this.visibilityQuery(f),
    });
    return Number(res.count ?? 0);
  }

  private visibilityQuery(f: ListFilter): string {
    const clauses = [`WorkflowType = '${WORKFLOW_TYPE}'`];
    const kw = (field: string, name: string, v: string | undefined) => {
      if (v === undefined) return;
      if (!KEYWORD.test(v))
        throw new ValidationError(`invalid ${name}`, [{ path: name, message: 'letters, digits and . _ : - only' }]);
      clauses.push(`${field} = '${v}'`);
    };
    kw('DealflowStage', 'stage', f.stage);
    kw('DealflowOwner', 'owner', f.owner);
    kw('DealflowTeam', 'team', f.team);
    kw('DealflowStatus', 'status', f.status);
    kw('DealflowCampaign', 'campaign', f.campaign);
    if (f.stalled === true) clauses.push('DealflowEscalationLevel >= 1'); // past its stage's threshold (docs/ARCHITECTURE.md §7)
    if (f.stalled === false) clauses.push('DealflowEscalationLevel < 1');
    return clauses.join(' AND ');
  }

  /** Counts leads matching a visibility query fragment (e.g. stalled deals). */
  async count(extra?: string): Promise<number> {
    const q = `WorkflowType = '${WORKFLOW_TYPE}'${extra ? ` AND ${extra}` : ''}`;
    const res = await this.o.client.workflowService.countWorkflowExecutions({ namespace: this.o.namespace, query: q });
    return Number(res.count ?? 0);
  }

  // `access` (the API caller's role and scope) is checked by the update's validator against the
  // lead's own owner and team: a 403 without a separate read. The CLI, an operator tool, omits it.
  // Only `{role, scope}` goes into the update (accessOf): its payload stays in Temporal's event
  // history, so the caller's API key digest and anything else of the principal never does.
  async move(id: string, to: string, actor: string, note?: string, access?: Access): Promise<LeadSummary> {
    return this.update(id, access, () =>
      this.handle(id).executeUpdate(moveStageUpdate, { args: [{ to, note, actor, access: accessOf(access) }] }),
    );
  }

  async logActivity(
    id: string,
    type: ActivityType,
    actor: string,
    note?: string,
    access?: Access,
  ): Promise<LeadSummary> {
    return this.update(id, access, () =>
      this.handle(id).executeUpdate(logActivityUpdate, { args: [{ type, note, actor, access: accessOf(access) }] }),
    );
  }

  async won(id: string, actor: string, amount?: number, note?: string, access?: Access): Promise<LeadSummary> {
    return this.update(id, access, () =>
      this.handle(id).executeUpdate(markWonUpdate, { args: [{ amount, actor, note, access: accessOf(access) }] }),
    );
  }

  async lost(id: string, actor: string, reason: string, access?: Access): Promise<LeadSummary> {
    return this.update(id, access, () =>
      this.handle(id).executeUpdate(markLostUpdate, { args: [{ reason, actor, access: accessOf(access) }] }),
    );
  }

  async disqualify(id: string, actor: string, reason: string, access?: Access): Promise<LeadSummary> {
    return this.update(id, access, () =>
      this.handle(id).executeUpdate(disqualifyUpdate, { args: [{ reason, actor, access: accessOf(access) }] }),
    );
  }

  async qualify(id: string, actor: string, q: Qualification, access?: Access): Promise<LeadSummary> {
    return this.update(id, access, () =>
      this.handle(id).executeUpdate(qualifyUpdate, { args: [{ ...q, actor, access: accessOf(access) }] }),
    );
  }

  async unsubscribed(id: string, email: string, reason: 'unsubscribed' | 'bounced' | 'complained'): Promise<void> {
    try {
      await this.handle(id).signal(unsubscribedSignal, { email, reason });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  async replied(id: string, r: RepliedSignal): Promise<void> {
    try {
      await this.handle(id).signal(customerRepliedSignal, r);
    } catch (err) {
      throw this.mapError(err, id);
    }
  }

  /**
   * Completes a task and tells its lead (completing a task counts as activity). A task the lead
   * cancelled first (it no longer applied) cannot be completed: ConflictError `task_cancelled`
   * (409), and the lead is not told.
   */
  async completeTask(taskId: string, actor: string): Promise<{ task: Task; changed: boolean }> {
    let res: { task: Task; changed: boolean };
    try {
      res = await this.o.tasks.complete(taskId, actor);
    } catch (err) {
      if (err instanceof TaskNotFoundError) throw new NotFoundError(err.message);
      throw err;
    }
    if (res.task.status === 'cancelled') {
      throw new ConflictError(
        `task ${taskId} was cancelled${res.task.cancelReason ? `: ${res.task.cancelReason}` : ''}; it cannot be completed`,
        'task_cancelled',
      );
    }
    try {
      await this.handle(res.task.leadId).signal(taskCompletedSignal, { taskId, actor });
    } catch (err) {
      // a closed lead cannot be signalled; the task is still done
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    return res;
  }

  /**
   * Hands the lead to the rep who claims one of its tasks from the team queue, through the lead's
   * workflow (which serialises racing claims: the first wins, the next gets a ConflictError). A lead
   * whose workflow has ended answers `{ handedOver: false }` (its task may still be claimed alone).
   */
  async claimLead(
    id: string,
    req: { taskId: string; rep: string; actor: string },
    access?: Access,
  ): Promise<{ handedOver: boolean; lead?: LeadSummary }> {
    try {
      return {
        handedOver: true,
        lead: await this.writes.run(id, () =>
          this.handle(id).executeUpdate(claimTaskUpdate, { args: [{ ...req, access: accessOf(access) }] }),
        ),
      };
    } catch (err) {
      if (workflowGone(err)) return { handedOver: false };
      throw this.mapError(err, id);
    }
  }

  private async update<T>(id: string, access: Access | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.writes.run(id, fn);
    } catch (err) {
      if (workflowGone(err)) {
        // an update to a workflow that has ended: the lead exists but is closed — said only to
        // someone who may act on it (its state is still queryable, or archived)
        const closed = await this.get(id).catch(() => undefined);
        if (closed) {
          if (access && !canActOn(access, closed)) throw new ForbiddenError(`you may not act on lead ${id}`);
          throw new ConflictError(`the deal is ${closed.status}; it cannot be changed`, 'closed');
        }
      }
      throw this.mapError(err, id);
    }
  }

  /**
   * A Temporal error as the client layer's: a lead that is not there is `not_found`; a validator's
   * or workflow's refusal keeps its code (workflows/policy/errors.ts: `forbidden`, `closed`,
   * `same_stage`…) and its reason; anything else (an outage, a busy workflow) is left as it is for
   * the API's classification (client/api/errors.ts).
   */
  private mapError(err: unknown, id: string): Error {
    if (workflowGone(err)) return new NotFoundError(`lead ${id} not found`);
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause;
      if (cause instanceof ApplicationFailure && isErrorCode(cause.type)) {
        if (cause.type === 'invalid_input') {
          const [path, message] = (cause.details ?? []).map(String);
          return new ValidationError(cause.message, [{ path: path ?? '(body)', message: message ?? cause.message }]);
        }
        return new CodedError(cause.type, cause.message);
      }
      return new ConflictError(cause?.message ?? err.message);
    }
    return err as Error;
  }
}

/**
 * Whether Temporal said the lead's workflow is not running: not found, or already completed (an
 * update to a closed run answers NOT_FOUND, which the SDK raises as WorkflowNotFoundError).
 */
function workflowGone(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  for (let e = err, i = 0; e instanceof Error && i < 8; e = (e as { cause?: unknown }).cause, i++) {
    if (isGrpcServiceError(e) && e.code === GrpcStatus.NOT_FOUND) return true;
  }
  return false;
}
