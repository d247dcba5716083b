/** Typed jest mocks for every activity the lead workflow calls, with sensible answers; tests override what they assert on. */
import type { NewTask, Task } from '../../store/tasks/task';
import type { CancelTasksRequest, CancelTasksResult } from '../../activities/tasks/task.activities';
import type { SendEmailRequest, SendEmailResult } from '../../activities/email/send-email.activity';
import type { ThresholdsDoc } from '../../workflows/policy/thresholds';
import { defaultThresholds } from '../../store/config/thresholds-store';
import { defaultCadences } from '../../store/config/cadences-store';
import type { Cadence } from '../../workflows/policy/cadence';
import type { LeadFacts } from '../../workflows/policy/facts';

export function activityMocks() {
  const sent: SendEmailRequest[] = [];
  /** the durable timelines appended by the leads, by lead id and seq */
  const timelines = new Map<string, Map<number, unknown>>();
  return {
    sent,
    timelines,
    appendTimeline: jest.fn(async ({ leadId, entries }: { leadId: string; entries: { seq: number }[] }) => {
      const t = timelines.get(leadId) ?? new Map<number, unknown>();
      timelines.set(leadId, t);
      let added = 0;
      for (const e of entries) {
        if (t.has(e.seq)) continue;
        t.set(e.seq, e);
        added++;
      }
      return added;
    }),
    createTask: jest.fn(async (t: NewTask): Promise<Task> => ({
      ...t,
      status: 'open',
      createdAt: new Date().toISOString(),
    })),
    cancelLeadTasks: jest.fn(async (_: { leadId: string; actor: string }) => 0),
    reassignLeadTasks: jest.fn(async (_: { leadId: string; to: string; actor: string; from?: string }) => 0),
    /** every named task was open: each is cancelled */
    cancelTasks: jest.fn(async (req: CancelTasksRequest): Promise<CancelTasksResult> =>
      req.tasks.map((t) => ({ id: t.id, status: 'cancelled' as const })),
    ),
    handOverQueueTasks: jest.fn(async (_: { leadId: string; from: string; to: string; actor: string }) => 0),
    getThresholds: jest.fn(async (): Promise<ThresholdsDoc> => ({
      ...defaultThresholds(),
      version: 0,
      updatedAt: null,
      updatedBy: null,
    })),
    getCadence: jest.fn(
      async ({ name }: { name: string }): Promise<{ name: string; version: number; cadence: Cadence }> => ({
        name,
        version: 0,
        cadence: defaultCadences().cadences.default,
      }),
    ),
    lookupPeople: jest.fn(async ({ owner }: { owner: string; team: string }) => ({
      owner: { id: owner, name: owner, email: `${owner}@dealflow.test`, timezone: 'UTC' },
      manager: { id: 'mia', name: 'Mia', email: 'mia@dealflow.test', timezone: 'UTC' },
    })),
    collectLeadData: jest.fn(async ({ email }: { leadId: string; email: string }) => ({
      email,
      domain: email.split('@')[1],
      freeMail: false,
      mx: 'unknown' as const,
      duplicateOf: null,
    })),
    enrichCompany: jest.fn(async (_: { domain: string }) => ({ status: 'not_configured' as const })),
    indexLeadClosed: jest.fn(async (_: { leadId: string; email: string; createdAt: string }) => undefined),
    getFollowUp: jest.fn(async () => ({
      version: 0,
      thankYou: '0s',
      surveyAfter: '14d',
      surveyReminderAfter: '3d',
      checkIns: ['30d', '90d'],
      detractorSla: '1d',
    })),
    recordSurveySent: jest.fn(async (_: { leadId: string; team: string }) => undefined),
    archiveLead: jest.fn(async (_: { id: string; status: string }) => undefined),
    recordLeadFacts: jest.fn(async (_: LeadFacts) => true),
    deliverTaskWebhook: jest.fn(async (_: { taskId: string; event: string }) => ({
      status: 'not_configured' as const,
    })),
    sendEmail: jest.fn(async (req: SendEmailRequest): Promise<SendEmailResult> => {
      sent.push(req);
      return {
        status: 'sent',
        messageId: `<${req.leadId}.${req.step}@dealflow.test>`,
        sentAt: new Date().toISOString(),
      };
    }),
  };
}
