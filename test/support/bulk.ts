/** Bulk enrolment from tests: a CSV body streamed to the API, a batch awaited, `dealflow import` run as a child process. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import { KEYS, eventually, type Stack } from './stack';

/**
 * POSTs a CSV body to /v1/leads/bulk as a stream in pieces of `pieceBytes`, the way a big upload
 * arrives (small pieces put chunk borders inside characters and CRLFs).
 */
export async function postCsv(
  stack: Stack,
  data: string | Buffer,
  o: { key?: string; query?: string; contentType?: string; pieceBytes?: number } = {},
): Promise<{ status: number; body: any }> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const size = o.pieceBytes ?? 997;
  const pieces: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) pieces.push(buf.subarray(i, i + size));
  const res = await fetch(`${stack.baseUrl}/v1/leads/bulk${o.query ?? ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${o.key ?? KEYS.marketing}`, 'content-type': o.contentType ?? 'text/csv' },
    body: Readable.toWeb(Readable.from(pieces)) as never,
    duplex: 'half',
  });
  return { status: res.status, body: await res.json() };
}

/** Polls GET /v1/batches/:id until the batch is done; resolves with it. */
export const waitBatchDone = (stack: Stack, id: string) =>
  eventually(
    async () => {
      const r = await stack.call('GET', `/v1/batches/${id}`, KEYS.marketing);
      return r.body.status === 'done' ? r.body : undefined;
    },
    120_000,
    `batch ${id} done`,
  );

/** Runs `dealflow import FILE ARGS…` against the stack's Temporal and Redis; resolves with the exit code and output. */
export function runImport(
  stack: Stack,
  file: string,
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: stack.config.TEMPORAL_TASK_QUEUE,
    REDIS_URL: stack.config.REDIS_URL,
    REDIS_PREFIX: stack.config.REDIS_PREFIX,
    LOG_LEVEL: 'warn',
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.resolve(__dirname, '../../bin/dealflow.js'), 'import', file, ...args],
      { env, timeout: 120_000 },
      (err, out, errOut) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: out, stderr: errOut }),
    );
  });
}
