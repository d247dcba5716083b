/**
 * `dealflow import FILE.csv [--campaign ID] [--encoding NAME] [--delimiter D]` (README "Importing
 * a CSV file"): streams the file into a bulk batch (the same code as `POST /v1/leads/bulk`), shows
 * a progress bar while rows are read and while the worker enrols them, then a summary with every
 * rejected line and its reason. `--encoding` names the file's encoding (default UTF-8; a file that
 * is not valid UTF-8 is refused, naming the line and byte); `--delimiter` is , ; tab or | (default:
 * detected from the header line).
 * Exit code: 0 all rows enrolled, 1 some rows rejected (the others are enrolled), 2 the file or
 * the options are wrong.
 */
import fs from 'node:fs';
import type { Config } from '../config/env';
import type { Batch } from '../store/campaigns/batch-store';
import { BulkEnrolment, readCsv } from '../client/bulk';
import { NotFoundError, ValidationError } from '../store/request-errors';
import { createClientRuntime } from '../client/runtime';
import { actorOf } from './shared';
import { ProgressBar } from '../client/progress';

export function summary(b: Batch, show = 50): string {
  const lines = [
    `batch ${b.id}: ${b.total} rows read, ${b.accepted} accepted, ${b.rejectedCount} rejected; ${b.enrolled} enrolled (${b.started} new leads, ${b.enrolled - b.started} already running)${b.campaign ? ` into campaign ${b.campaign}` : ''}`,
  ];
  if (b.rejectedCount) {
    lines.push('rejected lines:');
    for (const r of b.rejected.slice(0, show)) lines.push(`  line ${r.line}: ${r.reason}`);
    if (b.rejectedCount > show) lines.push(`  … and ${b.rejectedCount - show} more (GET /v1/batches/${b.id})`);
  }
  return lines.join('\n');
}

/** `dealflow import`'s options (cli/commands/import.ts checks the encoding and delimiter names). */
/** @public the CLI names it in `typeof import(...)` for a lazy require(), which knip does not follow */
export interface ImportOptions {
  campaign?: string;
  encoding?: string;
  delimiter?: string;
  /** false with --no-wait: return once the rows are read */
  wait: boolean;
  json?: boolean;
  as?: string;
}

/** @public the CLI loads it lazily with require() (eslint.config.mjs), which knip does not follow */
export async function importCommand(file: string, values: ImportOptions, config: Config): Promise<number> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    console.error(`no such file: ${file}`);
    return 2;
  }
  const rt = await createClientRuntime(config, { followRoster: false });
  const bar = new ProgressBar();
  try {
    const bulk = BulkEnrolment.fromRuntime(rt);
    const actor = actorOf(values.as);
    let batch: Batch;
    try {
      batch = await bulk.submit(
        readCsv(fs.createReadStream(file), { encoding: values.encoding, delimiter: values.delimiter, via: 'cli' }),
        {
          campaign: values.campaign,
          actor,
          onProgress: (n) => bar.update(bar.render('reading  ', n, null)),
        },
      );
    } catch (err) {
      if (err instanceof ValidationError || err instanceof NotFoundError) {
        bar.end('');
        console.error(`${file}: ${err.message}`);
        return 2;
      }
      throw err;
    }
    bar.end(
      bar.render('read     ', batch.total, null, `: ${batch.accepted} accepted, ${batch.rejectedCount} rejected`),
    );
    if (values.wait && batch.status !== 'done') {
      const began = Date.now();
      batch = await bulk.waitDone(batch.id, (b) => {
        const rate = b.enrolled / Math.max(0.001, (Date.now() - began) / 1000);
        bar.update(bar.render('enrolling', b.enrolled, b.accepted, `  ${rate.toFixed(0)}/s`));
      });
      bar.end(bar.render('enrolled ', batch.enrolled, batch.accepted));
    }
    console.log(values.json ? JSON.stringify(batch) : summary(batch));
    return batch.rejectedCount > 0 ? 1 : 0;
  } finally {
    await rt.close();
  }
}
