/**
 * A lead's campaign (README "Nurture flows") as its workflow sees it. The campaign's state reaches the lead two
 * ways — pushed by the campaign control workflow's signal, and read right before every cadence send
 * — and the higher version wins, so a late signal or a stale read never undoes a newer state. While
 * the campaign is paused the next cadence email is held (and the hold is in the lead's history);
 * resume releases it; cancel ends the cadence.
 */
import { condition } from '@temporalio/workflow';
import type { StageContext } from './context';
import { reads } from './proxies';
import type { CampaignControl, LeadState } from './types';

type RecordFn = StageContext['record'];

/** Applies a campaign state if it is newer than the one the lead has; true when the state changed. */
export function applyCampaignControl(state: LeadState, record: RecordFn, c: CampaignControl, how: string): boolean {
  if (!state.campaign || c.campaign !== state.campaign) return false;
  const cur = state.campaignControl;
  if (cur && cur.version >= c.version) return false;
  state.campaignControl = { campaign: c.campaign, state: c.state, version: c.version };
  const changed = (cur?.state ?? 'active') !== c.state;
  if (changed) {
    const what = c.state === 'active' ? 'resumed' : c.state;
    record({
      type: 'automation',
      actor: 'system',
      cause: `campaign ${c.campaign} ${what} (version ${c.version}, ${how})`,
      data: { campaign: c.campaign, campaignState: c.state, campaignVersion: c.version },
    });
  }
  return changed;
}

/**
 * Before a cadence send: 'go', 'held' (the campaign was paused and has been resumed since — the
 * caller re-plans the send time), 'cancelled', or 'stopped' (stop() held while waiting).
 */
export async function campaignGate(
  ctx: StageContext,
  template: string,
  stop: () => boolean,
): Promise<'go' | 'held' | 'cancelled' | 'stopped'> {
  const s = ctx.state;
  if (!s.campaign) return 'go';
  const read = await reads.getCampaignControl({ campaign: s.campaign });
  if (read) applyCampaignControl(s, ctx.record, read, 'read before a send');
  if (s.campaignControl?.state === 'cancelled') return 'cancelled';
  if (s.campaignControl?.state !== 'paused') return 'go';
  ctx.record({
    type: 'automation',
    actor: 'system',
    cause: `${template} held: campaign ${s.campaign} is paused`,
    data: { campaign: s.campaign, template },
  });
  s.next = { kind: `held:${template}`, at: null };
  try {
    await condition(() => s.campaignControl?.state !== 'paused' || stop());
  } finally {
    if (s.next?.kind === `held:${template}`) s.next = null;
  }
  if (stop()) return 'stopped';
  const now = s.campaignControl as CampaignControl | undefined; // changed by a signal while waiting
  return now?.state === 'cancelled' ? 'cancelled' : 'held';
}
