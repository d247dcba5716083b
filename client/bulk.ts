/**
 * Bulk enrolment (README "Nurture flows"): a CSV file (streamed, row by row — never loaded whole) or a JSON array
 * becomes a batch. Every row is validated like `POST /v1/leads` (README "HTTP API"); a bad row
 * is reported by its line number with the reason and every good row goes in. The accepted rows are
 * stored in Redis as they are read and then enrolled by `enrolBatchWorkflow`, throttled to
 * BULK_ENROL_RATE leads per second so a big import never starves live traffic; nothing is lost if
 * a process dies, and importing the same file again starts no second workflow (ids come from the
 * lead id or the normalised email, and Temporal refuses a duplicate start — the running lead is
 * signalled instead). A row without an id for a person who already has an open lead IS that lead
 * (it is signalled `enrolled`); README "One lead per person". Reading a CSV file (encodings,
 * delimiters, header aliases, line numbers) is client/csv-import.ts.
 */
import type { Client } from '@temporalio/client';
import type Redis from 'ioredis';
import { BatchStore, type Batch, type Rejected } from '../store/campaigns/batch-store';
import { CampaignStore, type Campaign } from '../store/campaigns/campaign-store';
import { cadencesStore } from '../store/config/cadences-store';
import type { LeadInput } from '../workflows/types';
import type { EnrolBatchInput, enrolBatchWorkflow } from '../workflows/campaign.workflow';
import type { LeadsClient } from './leads';
import { NotFoundError, ValidationError } from '../store/request-errors';
import type { SourceRow } from './csv-import';

// CSV reading (bytes, encodings, delimiters, header aliases, line numbers) lives in ./csv-import
export { csvRecordToInput, readCsv, type SourceRow } from './csv-import';
import { hasExplicitId } from '../store/start-lead';

/** Rows per batch, at most. */
const MAX_ROWS = 200_000;
/** How many parsed rows are written to Redis per round trip. */
const SLICE = 500;

export interface BulkDeps {
  leads: LeadsClient;
  redis: Redis;
  temporal: Client;
  prefix: string;
  taskQueue: string;
  ratePerSecond: number;
}

export interface SubmitOptions {
  campaign?: string;
  actor: string;
  /** called after every slice of rows is stored (the CLI's progress bar) */
  onProgress?: (rowsRead: number) => void;
}

/** JSON array elements as rows (line = position from 1). */
export function* readJsonArray(body: unknown): Generator<SourceRow> {
  if (!Array.isArray(body))
    throw new ValidationError('the body must be a JSON array of leads', [
      { path: '(body)', message: 'expected an array' },
    ]);
  if (body.length > MAX_ROWS)
    throw new ValidationError(`at most ${MAX_ROWS} rows per batch`, [
      { path: '(body)', message: `${body.length} rows` },
    ]);
  for (let i = 0; i < body.length; i++) {
    const el = body[i];
    yield el && typeof el === 'object' && !Array.isArray(el)
      ? { line: i + 1, row: el as Record<string, unknown> }
      : { line: i + 1, error: 'not a JSON object' };
  }
}

export class BulkEnrolment {
  readonly batches: BatchStore;
  private readonly campaigns: CampaignStore;

  /** The usual wiring: the runtime's clients, the configured task queue, prefix and rate (override the rate with `ratePerSecond`). */
  static fromRuntime(
    rt: {
      leads: LeadsClient;
      redis: Redis;
      client: Client;
      config: { REDIS_PREFIX: string; TEMPORAL_TASK_QUEUE: string; BULK_ENROL_RATE: number };
    },
    ratePerSecond = rt.config.BULK_ENROL_RATE,
  ): BulkEnrolment {
    return new BulkEnrolment({
      leads: rt.leads,
      redis: rt.redis,
      temporal: rt.client,
      prefix: rt.config.REDIS_PREFIX,
      taskQueue: rt.config.TEMPORAL_TASK_QUEUE,
      ratePerSecond,
    });
  }

  constructor(private readonly d: BulkDeps) {
    this.batches = new BatchStore(d.redis, d.prefix);
    this.campaigns = new CampaignStore(d.redis, d.prefix);
  }

  /**
   * Reads, validates and stores every row, then starts the batch's enrolment workflow. Resolves
   * when the input is read (enrolment goes on; follow it with status()). A header problem is a
   * 400 for the whole file; row problems are reported per line.
   */
  async submit(rows: AsyncIterable<SourceRow> | Iterable<SourceRow>, o: SubmitOptions): Promise<Batch> {
    let campaign: Campaign | null = null;
    if (o.campaign) {
      campaign = await this.campaigns.get(o.campaign);
      if (!campaign) throw new NotFoundError(`no campaign "${o.campaign}"`);
      if (campaign.state === 'cancelled')
        throw new ValidationError(`campaign "${o.campaign}" is cancelled`, [
          { path: 'campaign', message: 'cancelled' },
        ]);
    }
    const cadences = (await cadencesStore(this.d.redis, this.d.prefix).get()).cadences;
    const knownCampaigns = new Map<string, Campaign | null>();
    const id = this.batches.newId();
    await this.batches.create(id, o.campaign ?? null, o.actor);

    const seen = new Map<string, number>();
    let accepted: LeadInput[] = [];
    let rejected: Rejected[] = [];
    let total = 0;
    const flush = async () => {
      await this.batches.append(id, accepted, rejected, total);
      accepted = [];
      rejected = [];
      o.onProgress?.(total);
    };
    try {
      for await (const r of rows) {
        total += 1;
        if (total > MAX_ROWS) {
          total -= 1;
          rejected.push({
            line: r.line,
            reason: `the batch stops at ${MAX_ROWS} rows; this row and the ones after it were not read`,
          });
          break;
        }
        const reason =
          r.error ?? (await this.check(r.row!, campaign, knownCampaigns, cadences, seen, r.line, accepted));
        if (reason) rejected.push({ line: r.line, reason });
        if (accepted.length + rejected.length >= SLICE) await flush();
      }
    } catch (err) {
      if (err instanceof ValidationError) {
        // the file as a whole is refused (header, bytes that are not text in its encoding, delimiter):
        // nothing of it is kept or enrolled, even rows read before the problem
        await this.batches.discard(id, err.message);
        throw err;
      }
      await flush();
      const message = err instanceof Error ? err.message : String(err);
      rejected.push({ line: total + 1, reason: `reading stopped: ${message}` });
    }
    await flush();
    const b = (await this.batches.get(id))!;
    if (b.accepted === 0) {
      await this.batches.setStatus(id, 'done');
    } else {
      await this.batches.setStatus(id, 'running');
      const input: EnrolBatchInput = {
        batchId: id,
        total: b.accepted,
        ratePerSecond: this.d.ratePerSecond,
        actor: o.actor,
      };
      await this.d.temporal.workflow.start<typeof enrolBatchWorkflow>('enrolBatchWorkflow', {
        taskQueue: this.d.taskQueue,
        workflowId: `batch-${id}`,
        args: [input],
      });
    }
    return (await this.batches.get(id))!;
  }

  /** Validates one row; pushes the prepared lead onto `accepted`, or returns why not. */
  private async check(
    row: Record<string, unknown>,
    campaign: Campaign | null,
    knownCampaigns: Map<string, Campaign | null>,
    cadences: Record<string, unknown>,
    seen: Map<string, number>,
    line: number,
    accepted: LeadInput[],
  ): Promise<string | undefined> {
    const body = { ...row };
    if (campaign && body.campaign === undefined) body.campaign = campaign.id;
    let lead: LeadInput;
    try {
      lead = await this.d.leads.prepare(body);
    } catch (err) {
      if (err instanceof ValidationError)
        return err.details.length ? err.details.map((p) => `${p.path}: ${p.message}`).join('; ') : err.message;
      throw err;
    }
    if (lead.campaign) {
      if (!knownCampaigns.has(lead.campaign))
        knownCampaigns.set(lead.campaign, await this.campaigns.get(lead.campaign));
      const c = knownCampaigns.get(lead.campaign);
      if (!c) return `campaign: no campaign "${lead.campaign}"`;
      if (c.state === 'cancelled') return `campaign: "${lead.campaign}" is cancelled`;
      lead.cadence ??= c.cadence;
    }
    if (lead.cadence && !(lead.cadence in cadences)) return `cadence: no cadence "${lead.cadence}"`;
    // one person, one open lead (README "One lead per person"): a second row for the same lead or
    // the same address is reported here; enrolment resolves each address atomically again
    const first = seen.get(`id:${lead.id}`);
    if (first !== undefined) return `duplicate of line ${first} (the same lead)`;
    const sameAddress = seen.get(`email:${lead.email}`);
    if (sameAddress !== undefined)
      return `email: duplicate of line ${sameAddress} (the same person: one email address, one open lead)`;
    if (hasExplicitId(lead)) {
      const entries = await this.d.leads.addresses.entries(lead.email);
      const open = entries.filter((e) => e.status !== 'closed').pop();
      if (open && !entries.some((e) => e.id === lead.id))
        return `email: the address of open lead ${open.id} (one person, one open lead: leave the id out to enrol that lead)`;
    }
    seen.set(`id:${lead.id}`, line);
    seen.set(`email:${lead.email}`, line);
    accepted.push(lead);
    return undefined;
  }

  async status(id: string): Promise<Batch> {
    const b = await this.batches.get(id);
    if (!b) throw new NotFoundError(`no batch "${id}"`);
    return b;
  }

  /** Polls until the batch is done (or failed), reporting progress. */
  async waitDone(id: string, onProgress?: (b: Batch) => void, pollMs = 500): Promise<Batch> {
    for (;;) {
      const b = await this.status(id);
      onProgress?.(b);
      if (b.status === 'done' || b.status === 'failed') return b;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
