/**
 * Signals every workflow a visibility query matches, page by page, a few at a time, heartbeating
 * its place so a retried activity goes on where the last attempt stopped. Shared by the threshold
 * propagation and the campaign control activities. A workflow that closed meanwhile is skipped.
 */
import { Context } from '@temporalio/activity';
import { inParallel } from '../store/in-parallel';
import type { Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/workflow';

/** Signals in flight at once. */
const CONCURRENCY = 32;

export async function signalEachMatching<T>(
  client: Client,
  namespace: string,
  query: string,
  signal: SignalDefinition<[T]>,
  payload: T,
): Promise<number> {
  const ctx = Context.current();
  const resume = ctx.info.heartbeatDetails as { token?: string; done: number } | undefined;
  let token: Uint8Array | undefined = resume?.token ? Buffer.from(resume.token, 'base64') : undefined;
  let done = resume?.done ?? 0;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace,
      query,
      pageSize: 500,
      nextPageToken: token,
    });
    const ids = (page.executions ?? []).map((e) => e.execution!.workflowId!);
    await inParallel(
      ids,
      CONCURRENCY,
      (id) =>
        client.workflow
          .getHandle(id)
          .signal(signal, payload)
          .catch(() => undefined), // closed meanwhile: nothing to tell
    );
    done += ids.length;
    token = page.nextPageToken?.length ? page.nextPageToken : undefined;
    ctx.heartbeat({ token: token ? Buffer.from(token).toString('base64') : undefined, done });
  } while (token);
  return done;
}
