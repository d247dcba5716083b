/** Signals every lead matching a visibility query with a thresholds document, page by page, heartbeating its progress. */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { ThresholdsDoc } from '../../workflows/policy/thresholds';
import { thresholdsChangedSignal } from '../../workflows/messages';

const CONCURRENCY = 32;

export function createPropagateActivities(deps: { temporal?: () => Client; namespace: string }) {
  return {
    async signalLeadsWithThresholds({ query, doc }: { query: string; doc: ThresholdsDoc }): Promise<number> {
      if (!deps.temporal) throw new Error('this worker has no Temporal client for propagation');
      const client = deps.temporal();
      const ctx = Context.current();
      const resume = ctx.info.heartbeatDetails as { token?: string; done: number } | undefined;
      let token: Uint8Array | undefined = resume?.token ? Buffer.from(resume.token, 'base64') : undefined;
      let done = resume?.done ?? 0;
      do {
        const page = await client.workflowService.listWorkflowExecutions({ namespace: deps.namespace, query, pageSize: 500, nextPageToken: token });
        const ids = (page.executions ?? []).map((e) => e.execution!.workflowId!);
        for (let i = 0; i < ids.length; i += CONCURRENCY) {
          await Promise.all(
            ids.slice(i, i + CONCURRENCY).map((id) =>
              client.workflow
                .getHandle(id)
                .signal(thresholdsChangedSignal, doc)
                .catch(() => undefined), // closed meanwhile: nothing to tell
            ),
          );
          done += Math.min(CONCURRENCY, ids.length - i);
        }
        token = page.nextPageToken?.length ? page.nextPageToken : undefined;
        ctx.heartbeat({ token: token ? Buffer.from(token).toString('base64') : undefined, done });
      } while (token);
      return done;
    },
  };
}
