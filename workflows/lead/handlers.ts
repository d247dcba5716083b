/**
 * The lead workflow's signal, update and query handlers (workflows/messages.ts names them; README
 * "HTTP API" lists the routes that send them). Each update's validator checks first who is asking
 * (the caller's `{role, scope}`; workflows/policy/access.ts), then what is asked, and rejects with a
 * reason before anything is recorded. Handlers change the lead only through its named mutations
 * (workflows/lead/state.ts) and the helpers of the part they belong to (tasks, campaign, thresholds).
 *
 * Registered before the workflow's first await, in this order: a buffered message runs as its
 * handler is set.
 */
import { setHandler } from '@temporalio/workflow';
import type { Stage } from '../../config/defaults';
import {
  campaignControlSignal,
  claimTaskUpdate,
  customerRepliedSignal,
  disqualifyUpdate,
  enrolledSignal,
  logActivityUpdate,
  markLostUpdate,
  markWonUpdate,
  moveStageUpdate,
  qualifyUpdate,
  stateQuery,
  surveyAnsweredSignal,
  taskCompletedSignal,
  thresholdsChangedSignal,
  unsubscribedSignal,
} from '../messages';
import { applyCampaignControl } from '../campaign';
import { acceptsActivity, checkClose, checkMove } from '../policy/transitions';
import { accessOf, canActOn, type Access } from '../policy/access';
import { amountProblem } from '../policy/currency';
import { failure } from '../policy/errors';
import { applyThresholds } from '../stall';
import { rescore } from '../scoring';
import { claimLead, validateClaim } from '../tasks';
import { nowIso } from '../clock';
import type { Lead } from './state';

const QUESTIONS = ['budget', 'authority', 'need', 'timeline'] as const;

export function registerHandlers(lead: Lead): void {
  const { state, record, touch, enterStage, summary } = lead;

  /**
   * First in every validator: a caller who may not act on this lead learns nothing else (403).
   * An update recorded before the client sent only `{role, scope}` carries the whole principal; only
   * those two fields are read either way.
   */
  const checkAccess = (access: Access | undefined, actor: string): void => {
    const caller = accessOf(access);
    if (caller && !canActOn(caller, state)) throw failure('forbidden', `${actor} may not act on lead ${state.id}`);
  };

  setHandler(stateQuery, () => state);

  setHandler(
    moveStageUpdate,
    ({ to, note, actor }) => {
      enterStage(to as Stage, actor, note ? `moved by ${actor}: ${note}` : `moved by ${actor}`, note);
      return summary();
    },
    {
      validator: ({ to, actor, access }) => {
        checkAccess(access, actor);
        if (!actor) throw failure('invalid_input', 'an actor is required', { field: 'actor' });
        const v = checkMove(state, to);
        if (!v.ok) throw failure(v.code, v.reason);
      },
    },
  );

  setHandler(
    logActivityUpdate,
    ({ type, note, actor }) => {
      touch();
      record({
        type: 'activity_logged',
        actor,
        cause: `${type} logged by ${actor}${note ? `: ${note}` : ''}`,
        data: { activity: type },
      });
      return summary();
    },
    {
      validator: ({ type, actor, access }) => {
        checkAccess(access, actor);
        if (!actor) throw failure('invalid_input', 'an actor is required', { field: 'actor' });
        if (!['call', 'email', 'meeting', 'note'].includes(type))
          throw failure('invalid_input', `unknown activity type "${type}"`, { field: 'type' });
        if (!acceptsActivity(state.status))
          throw failure('closed', `the deal is ${state.status}; no activity can be logged`);
      },
    },
  );

  setHandler(
    markWonUpdate,
    ({ amount, actor, note }) => {
      lead.close({ status: 'won', actor, amount, note });
      enterStage('follow_up', actor, `deal won by ${actor}`);
      return summary();
    },
    {
      validator: ({ amount, actor, access }) => {
        checkAccess(access, actor);
        if (!actor) throw failure('invalid_input', 'an actor is required', { field: 'actor' });
        if (amount !== undefined && (typeof amount !== 'number' || !(amount >= 0)))
          throw failure('invalid_input', 'amount must be a number ≥ 0', { field: 'amount' });
        // the won amount is in the lead's currency and keeps its minor unit (README "Lead input")
        const problem = typeof amount === 'number' ? amountProblem(amount, state.currency) : null;
        if (problem) throw failure('invalid_input', `amount: ${problem}`, { field: 'amount', problem });
        const v = checkClose(state, 'won');
        if (!v.ok) throw failure(v.code, v.reason);
      },
    },
  );

  const closeAs =
    (status: 'lost' | 'disqualified') =>
    ({ reason, actor }: { reason: string; actor: string }) => {
      lead.close({ status, reason, actor });
      return summary();
    };
  const closeValidator =
    (status: 'lost' | 'disqualified') =>
    ({ reason, actor, access }: { reason: string; actor: string; access?: Access }) => {
      checkAccess(access, actor);
      if (!actor) throw failure('invalid_input', 'an actor is required', { field: 'actor' });
      if (!reason || !reason.trim()) throw failure('invalid_input', 'a reason is required', { field: 'reason' });
      const v = checkClose(state, status);
      if (!v.ok) throw failure(v.code, v.reason);
    };
  setHandler(markLostUpdate, closeAs('lost'), { validator: closeValidator('lost') });
  setHandler(disqualifyUpdate, closeAs('disqualified'), { validator: closeValidator('disqualified') });

  setHandler(customerRepliedSignal, ({ actor, via, note }) => {
    if (!acceptsActivity(state.status)) return;
    touch();
    state.lastReplyAt = nowIso();
    record({ type: 'customer_replied', actor, cause: `customer replied (${via})${note ? `: ${note}` : ''}` });
  });

  setHandler(unsubscribedSignal, ({ email, reason }) => {
    if (state.suppressed) return;
    state.suppressed = reason;
    record({ type: 'automation', actor: email, cause: `no more email to this lead: ${reason}` });
  });

  setHandler(
    qualifyUpdate,
    ({ actor, budget, authority, need, timeline }) => {
      const q = { ...(state.qualification ?? {}) };
      if (budget !== undefined) q.budget = budget;
      if (authority !== undefined) q.authority = authority;
      if (need !== undefined) q.need = need;
      if (timeline !== undefined) q.timeline = timeline;
      state.qualification = q;
      touch();
      const shown = QUESTIONS.filter((k) => q[k] !== undefined).map((k) => `${k} ${q[k] ? 'yes' : 'no'}`);
      record({ type: 'activity_logged', actor, cause: `qualification recorded by ${actor}: ${shown.join(', ')}` });
      rescore(state, record);
      return summary();
    },
    {
      validator: ({ actor, access, ...q }) => {
        checkAccess(access, actor);
        if (!actor) throw failure('invalid_input', 'an actor is required', { field: 'actor' });
        for (const [k, v] of Object.entries(q)) {
          if (!(QUESTIONS as readonly string[]).includes(k))
            throw failure('invalid_input', `unknown qualification question "${k}"`, { field: k });
          if (v !== undefined && typeof v !== 'boolean')
            throw failure('invalid_input', `${k} must be true or false`, { field: k });
        }
        if (!acceptsActivity(state.status)) throw failure('closed', `the deal is ${state.status}`);
      },
    },
  );

  setHandler(surveyAnsweredSignal, (a) => {
    if (state.survey?.answer || state.status !== 'won') return;
    state.survey = { ...(state.survey ?? {}), answer: a, outcome: 'answered' };
    record({
      type: 'automation',
      actor: 'customer',
      cause: `satisfaction survey answered: ${a.score}/10${a.comment ? ` — ${a.comment.slice(0, 200)}` : ''}`,
      data: { score: a.score },
    });
  });

  setHandler(campaignControlSignal, (c) => {
    applyCampaignControl(state, record, c, 'pushed on change');
  });

  setHandler(enrolledSignal, ({ campaign, cadence, batchId, actor }) => {
    const via = batchId ? `batch ${batchId}` : actor;
    if (campaign && !state.campaign && acceptsActivity(state.status)) {
      state.campaign = campaign;
      if (cadence && !state.cadence) state.cadence = cadence;
      record({
        type: 'automation',
        actor,
        cause: `joined campaign ${campaign} (enrolled again by ${via}; the lead was already running)`,
        data: { campaign },
      });
    } else {
      record({
        type: 'automation',
        actor,
        cause: `enrolled again by ${via}: the lead is already running, nothing was restarted`,
      });
    }
  });

  setHandler(thresholdsChangedSignal, (doc) => applyThresholds(state, doc, record, 'pushed on change'));

  setHandler(taskCompletedSignal, ({ taskId, actor }) => {
    if (state.history.some((h) => h.type === 'task_completed' && h.data?.taskId === taskId)) return;
    if (acceptsActivity(state.status)) touch();
    const ref = state.tasks.find((t) => t.id === taskId);
    if (ref) ref.closed ??= 'done';
    record({ type: 'task_completed', actor, cause: `task completed by ${actor}`, data: { taskId } });
  });

  // a claim from the team queue hands the lead to the claiming rep (workflows/tasks.ts)
  setHandler(
    claimTaskUpdate,
    async (req) => {
      await claimLead(lead, req);
      return summary();
    },
    { validator: (req) => validateClaim(state, { ...req, access: accessOf(req.access) }) },
  );
}
