/**
 * Every signal, query and update of the lead workflow with its payload types. Clients (API, CLI,
 * tests) import this file; it has no side effects.
 *
 * - updates when the caller needs a yes/no (move, log, won, lost): validators reject synchronously
 *   with a reason and nothing is recorded;
 * - signals for fire-and-forget facts (customer replied, task completed);
 * - a query for reads.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  LeadState,
  LeadSummary,
  LogActivityRequest,
  LostRequest,
  MoveStageRequest,
  RepliedSignal,
  TaskCompletedSignal,
  WonRequest,
  UnsubscribedSignal,
  QualifyRequest,
  SurveyAnswer,
  CampaignControl,
  EnrolledSignal,
  ClaimTaskRequest,
} from './types';
import type { ThresholdsDoc } from './policy/thresholds';

export const moveStageUpdate = defineUpdate<LeadSummary, [MoveStageRequest]>('moveStage');
export const logActivityUpdate = defineUpdate<LeadSummary, [LogActivityRequest]>('logActivity');
export const markWonUpdate = defineUpdate<LeadSummary, [WonRequest]>('markWon');
export const markLostUpdate = defineUpdate<LeadSummary, [LostRequest]>('markLost');
export const disqualifyUpdate = defineUpdate<LeadSummary, [LostRequest]>('disqualify');

export const customerRepliedSignal = defineSignal<[RepliedSignal]>('customerReplied');
export const taskCompletedSignal = defineSignal<[TaskCompletedSignal]>('taskCompleted');
/** a rep claimed one of the lead's tasks from the team queue: the lead is handed to them */
export const claimTaskUpdate = defineUpdate<LeadSummary, [ClaimTaskRequest]>('claimTask');

/** sent by the threshold propagation workflow to leads whose threshold got shorter */
export const thresholdsChangedSignal = defineSignal<[ThresholdsDoc]>('thresholdsChanged');

export const unsubscribedSignal = defineSignal<[UnsubscribedSignal]>('unsubscribed');
export const qualifyUpdate = defineUpdate<LeadSummary, [QualifyRequest]>('qualify');

export const surveyAnsweredSignal = defineSignal<[SurveyAnswer]>('surveyAnswered');

/** a campaign was paused, resumed or cancelled (sent by the campaign control workflow) */
export const campaignControlSignal = defineSignal<[CampaignControl]>('campaignControl');
/** the lead was enrolled again (bulk import, campaign) while it runs: recorded, joins the campaign if it has none */
export const enrolledSignal = defineSignal<[EnrolledSignal]>('enrolled');

export const stateQuery = defineQuery<LeadState>('state');

export const WORKFLOW_TYPE = 'leadWorkflow';
export const workflowIdFor = (leadId: string): string => `lead-${leadId}`;
export const leadIdFromWorkflowId = (workflowId: string): string => workflowId.replace(/^lead-/, '');
