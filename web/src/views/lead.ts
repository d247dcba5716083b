/** A lead's page: its facts, the timeline (every move, automation and escalation with its cause), tasks and emails. */
import { api } from '../api';
import { h, replace } from '../dom';
import { fmtDate, fmtMoney, fmtNum, t, tr } from '../i18n';
import { can, type LeadState } from '../types';
import { errorBox, heading, loading, table, type Ctx } from '../ui';
import { taskRows } from './tasks';

export async function renderLead(ctx: Ctx, id: string): Promise<void> {
  const { root } = ctx;
  const back = h('a', { class: 'back', attrs: { href: '#/board' } }, t('back_to_board'));
  replace(root, back, loading());
  let lead: LeadState;
  try {
    lead = await api<LeadState>('GET', `/v1/leads/${encodeURIComponent(id)}`);
  } catch (e) {
    replace(root, back, errorBox(e));
    return;
  }
  const level = lead.escalation?.level ?? 0;
  const fact = (label: string, value: string) => h('div', null, h('dt', null, label), h('dd', null, value));
  const facts = h(
    'dl',
    { class: 'facts' },
    fact(t('company'), lead.company ?? '—'),
    fact(t('email'), lead.email),
    fact(t('stage'), tr('stage', lead.stage)),
    fact(t('status'), tr('status', lead.status)),
    fact(t('owner'), lead.owner),
    fact(t('team'), lead.team),
    fact(t('value'), fmtMoney(lead.value, lead.currency)),
    fact(t('score'), lead.score === undefined ? '—' : fmtNum(lead.score)),
    fact(
      t('escalation_level'),
      fmtNum(level) + (level >= 3 ? ` · ${t('stalled')}` : level === 2 ? ` · ${t('at_risk')}` : ''),
    ),
    fact(t('last_activity'), fmtDate(lead.lastActivityAt)),
    lead.next ? fact(t('next_action'), `${lead.next.kind} · ${fmtDate(lead.next.at)}`) : '',
  );

  const history = [...lead.history].reverse();
  const timeline = history.length
    ? table(
        t('timeline'),
        [t('col_time'), t('col_type'), t('col_change'), t('col_actor'), t('col_cause')],
        history.map((e) => [
          h('time', { attrs: { datetime: e.at } }, fmtDate(e.at)),
          h('span', { class: `htype htype-${e.type.replace(/[^a-z_]/g, '')}` }, tr('htype', e.type)),
          e.from || e.to ? `${e.from ? tr('stage', e.from) : ''} → ${e.to ? tr('stage', e.to) : ''}` : '',
          e.actor,
          h('span', { attrs: { dir: 'auto' } }, e.cause),
        ]),
      )
    : h('p', { class: 'muted' }, t('no_history'));

  const tasksBox = h('div');
  const tasks = lead.tasks.filter((x) => x && typeof x.title === 'string');
  if (tasks.length)
    tasksBox.append(taskRows(ctx, tasks, { showLead: false, canComplete: (x) => can.completeTask(ctx.me, x) }));
  else tasksBox.append(h('p', { class: 'muted' }, t('no_tasks')));

  const emails = lead.emails.length
    ? table(
        t('emails'),
        [t('email_template'), t('email_step'), t('email_sent_at')],
        lead.emails.map((m) => [m.template, m.step, fmtDate(m.sentAt)]),
      )
    : h('p', { class: 'muted' }, t('no_emails'));

  replace(
    root,
    back,
    h('h1', { attrs: { dir: 'auto' } }, lead.name || lead.id),
    facts,
    h('section', { attrs: { 'aria-labelledby': 'timeline-h' } }, heading(t('timeline'), 'h2', 'timeline-h'), timeline),
    h('section', { attrs: { 'aria-labelledby': 'tasks-h' } }, heading(t('tasks'), 'h2', 'tasks-h'), tasksBox),
    h('section', { attrs: { 'aria-labelledby': 'emails-h' } }, heading(t('emails'), 'h2', 'emails-h'), emails),
  );
}
