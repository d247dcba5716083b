/**
 * The pipeline board: seven columns in stage order, a card per deal (open deals in the first six
 * stages, won deals in follow-up). At-risk (escalation level 2) and stalled (level ≥ 3) deals carry
 * a text badge and a class. A deal moves with the stage <select> on its card, or by dragging the card
 * to a column; both call POST /v1/leads/:id/stage and show the API's reason when it refuses.
 * Column totals are per currency (README "Reporting": money is never added across currencies),
 * each formatted with its currency by Intl.NumberFormat.
 */
import { api, ApiError, optional } from '../api';
import { h, replace } from '../dom';
import { fmtAmounts, fmtConverted, fmtMoney, t, tr } from '../i18n';
import {
  can,
  OPEN_STAGES,
  STAGES,
  type LeadListItem,
  type Money,
  type Page,
  type Pipeline,
  type Stage,
} from '../types';
import { errorBox, errorText, heading, loading, type Ctx } from '../ui';

interface Column {
  el: HTMLElement;
  list: HTMLElement;
  summary: HTMLElement;
}

/** The cards' values summed per currency (when the pipeline report is not available); no currency = unknown. */
function cardTotals(cards: LeadListItem[]): Money[] {
  const sums = new Map<string, number>();
  for (const l of cards) if (l.value) sums.set(l.currency ?? '', (sums.get(l.currency ?? '') ?? 0) + l.value);
  return [...sums.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ currency, amount }));
}

function badge(level: number): HTMLElement | null {
  if (level >= 3) return h('span', { class: 'badge stalled' }, t('stalled'));
  if (level === 2) return h('span', { class: 'badge at-risk' }, t('at_risk'));
  if (level === 1) return h('span', { class: 'badge overdue' }, t('overdue'));
  return null;
}

export async function renderBoard(ctx: Ctx): Promise<void> {
  const { root, me } = ctx;
  const board = h('div', { class: 'board', attrs: { role: 'list' } });
  const refresh = h('button', { attrs: { type: 'button' }, on: { click: () => void renderBoard(ctx) } }, t('refresh'));
  replace(
    root,
    h('div', { class: 'view-head' }, heading(t('board_title')), refresh),
    h('p', { class: 'muted' }, t('board_help')),
    loading(),
  );

  const lists = await Promise.all(
    STAGES.map((stage) =>
      api<Page<LeadListItem>>(
        'GET',
        `/v1/leads?stage=${stage}&status=${stage === 'follow_up' ? 'won' : 'open'}&pageSize=200`,
      ).catch((e: unknown) => e),
    ),
  );
  const pipeline = await optional<Pipeline>('/v1/pipeline').catch(() => ({
    ok: false as const,
    reason: 'missing' as const,
  }));
  const totals = new Map(pipeline.ok ? pipeline.value.stages.map((s) => [s.stage, s]) : []);

  const leads = new Map<string, LeadListItem>();
  const columns = new Map<Stage, Column>();

  const summarise = (stage: Stage) => {
    const col = columns.get(stage)!;
    const cards = [...leads.values()].filter((l) => l.stage === stage);
    const p = totals.get(stage);
    const count = p?.count ?? cards.length;
    const values = p?.values ?? cardTotals(cards);
    const atRisk = p?.atRisk ?? cards.filter((l) => l.escalationLevel === 2).length;
    const stalled = p?.stalled ?? cards.filter((l) => l.escalationLevel >= 3).length;
    const converted = fmtConverted(p?.converted);
    replace(
      col.summary,
      t('column_summary', { count, value: fmtAmounts(values) }),
      ...(converted ? [h('br'), converted] : []),
      h('br'),
      t('column_flags', { atRisk, stalled }),
    );
  };

  const move = async (lead: LeadListItem, to: Stage, card: HTMLElement) => {
    const from = lead.stage!;
    const err = card.querySelector('.card-error')!;
    replace(err);
    card.setAttribute('aria-busy', 'true');
    try {
      await api('POST', `/v1/leads/${encodeURIComponent(lead.id)}/stage`, { to });
      lead.stage = to;
      lead.escalationLevel = 0; // a move is activity: the ladder starts again
      // the list comes from visibility, which is eventually consistent: move the card here
      totals.delete(from);
      totals.delete(to);
      const fresh = makeCard(lead);
      card.replaceWith(fresh);
      columns.get(to)!.list.querySelector('.empty')?.remove();
      columns.get(to)!.list.prepend(fresh);
      summarise(from);
      summarise(to);
      ctx.announce(t('moved', { name: lead.name || lead.id, stage: tr('stage', to) }));
      fresh.querySelector<HTMLElement>('select')?.focus();
    } catch (e) {
      card.removeAttribute('aria-busy');
      const sel = card.querySelector('select');
      if (sel) sel.value = from;
      const msg = t('move_refused', { message: e instanceof ApiError ? e.message : errorText(e) });
      replace(err, msg);
      ctx.announce(msg, 'error');
    }
  };

  const makeCard = (lead: LeadListItem): HTMLElement => {
    const name = lead.name || lead.id;
    const level = lead.escalationLevel ?? 0;
    const movable = lead.status === 'open' && can.moveLead(me, lead);
    const classes = ['card', level >= 3 ? 'is-stalled' : level === 2 ? 'is-at-risk' : level === 1 ? 'is-overdue' : '']
      .filter(Boolean)
      .join(' ');
    const card = h('article', {
      class: classes,
      attrs: {
        'data-lead-id': lead.id,
        'data-stage': lead.stage ?? '',
        role: 'listitem',
        draggable: movable ? 'true' : null,
        'aria-label': name,
      },
    });
    card.append(
      h(
        'h3',
        { class: 'card-title' },
        h('a', { attrs: { href: `#/lead/${encodeURIComponent(lead.id)}`, dir: 'auto' } }, name),
      ),
      badge(level) ?? '',
      h(
        'dl',
        { class: 'card-facts' },
        lead.company
          ? h('div', null, h('dt', null, t('company')), h('dd', { attrs: { dir: 'auto' } }, lead.company))
          : '',
        h('div', null, h('dt', null, t('value')), h('dd', null, fmtMoney(lead.value, lead.currency))),
        h('div', null, h('dt', null, t('owner')), h('dd', null, lead.owner ?? '—')),
      ),
    );
    if (movable) {
      const id = `move-${lead.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      const select = h(
        'select',
        { attrs: { id, name: 'stage' }, on: { change: () => void move(lead, select.value as Stage, card) } },
        ...OPEN_STAGES.map((s) => h('option', { attrs: { value: s, selected: s === lead.stage } }, tr('stage', s))),
      );
      card.append(h('div', { class: 'card-move' }, h('label', { attrs: { for: id } }, t('move_to')), select));
      card.addEventListener('dragstart', (ev) => {
        ev.dataTransfer?.setData('text/x-dealflow-lead', lead.id);
        if (ev.dataTransfer) ev.dataTransfer.effectAllowed = 'move';
      });
    }
    card.append(h('p', { class: 'card-error error', attrs: { role: 'alert' } }));
    return card;
  };

  for (const [i, stage] of STAGES.entries()) {
    const titleId = `col-${stage}`;
    const list = h('div', { class: 'cards', attrs: { role: 'list', 'aria-labelledby': titleId } });
    const summary = h('p', { class: 'col-summary' });
    const el = h(
      'section',
      { class: 'column', attrs: { 'data-stage': stage, role: 'listitem', 'aria-labelledby': titleId } },
      h('h2', { attrs: { id: titleId } }, tr('stage', stage)),
      summary,
      list,
    );
    columns.set(stage, { el, list, summary });
    if (stage !== 'follow_up') {
      el.addEventListener('dragover', (ev) => {
        if (ev.dataTransfer?.types.includes('text/x-dealflow-lead')) {
          ev.preventDefault();
          el.classList.add('drop-target');
        }
      });
      el.addEventListener('dragleave', () => el.classList.remove('drop-target'));
      el.addEventListener('drop', (ev) => {
        ev.preventDefault();
        el.classList.remove('drop-target');
        const lead = leads.get(ev.dataTransfer?.getData('text/x-dealflow-lead') ?? '');
        const card = lead && board.querySelector<HTMLElement>(`article[data-lead-id="${CSS.escape(lead.id)}"]`);
        if (lead && card && lead.stage !== stage) void move(lead, stage, card);
      });
    }
    const res = lists[i];
    if (res instanceof Error || !(res as Page<LeadListItem>).items) {
      list.append(errorBox(res));
    } else {
      const page = res as Page<LeadListItem>;
      for (const lead of page.items) {
        leads.set(lead.id, lead);
        list.append(makeCard(lead));
      }
      if (!page.items.length) list.append(h('p', { class: 'muted empty' }, t('no_deals')));
      if (page.nextPageToken) el.append(h('p', { class: 'muted' }, t('more_deals')));
    }
    board.append(el);
  }
  for (const stage of STAGES) summarise(stage);
  root.querySelector('[aria-busy="true"]')?.replaceWith(board);
}
