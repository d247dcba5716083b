/** The one file the worker's workflowsPath points at. */
export { leadWorkflow } from './lead.workflow';
export { propagateThresholdsWorkflow } from './propagate.workflow';
export { taskDigestWorkflow } from './digest.workflow';
export { enrolBatchWorkflow, campaignControlWorkflow } from './campaign.workflow';
export { metricsReconcileWorkflow } from './reconcile.workflow';
