import type { Stage } from '../../config/defaults';
import type { StageContext } from '../context';
import { onProspecting } from './prospecting';
import { onPreparation } from './preparation';
import { onApproach } from './approach';
import { onPresentation } from './presentation';
import { onObjections } from './objections';
import { onClosing } from './closing';
import { onFollowUp } from './follow-up';

/**
 * What happens on entry to a stage (README "What happens to a lead"). `immediate` says whether the entry has a
 * step that is made even when the entry is already superseded when its turn comes (the stage's task,
 * the lead data): such an entry makes that step and ends (workflows/context.ts); an entry of a stage
 * without one does nothing.
 */
export interface StageAutomation {
  run(ctx: StageContext): Promise<void>;
  immediate: boolean;
}

export const STAGE_AUTOMATIONS: Record<Stage, StageAutomation> = {
  prospecting: { run: onProspecting, immediate: true },
  preparation: { run: onPreparation, immediate: true },
  approach: { run: onApproach, immediate: false },
  presentation: { run: onPresentation, immediate: true },
  objections: { run: onObjections, immediate: true },
  closing: { run: onClosing, immediate: true },
  follow_up: { run: onFollowUp, immediate: false },
};
