import type { Stage } from '../../config/defaults';
import type { StageContext } from '../context';
import { onProspecting } from './prospecting';
import { onPreparation } from './preparation';
import { onApproach } from './approach';
import { onPresentation } from './presentation';
import { onObjections } from './objections';
import { onClosing } from './closing';
import { onFollowUp } from './follow-up';

/** What happens on entry to each stage (SPEC §2). */
export const STAGE_AUTOMATIONS: Record<Stage, (ctx: StageContext) => Promise<void>> = {
  prospecting: onProspecting,
  preparation: onPreparation,
  approach: onApproach,
  presentation: onPresentation,
  objections: onObjections,
  closing: onClosing,
  follow_up: onFollowUp,
};
