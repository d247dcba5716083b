/** The task inbox: a rep's own open tasks (a manager: the team's; an admin: anyone's), completed with a button. */
import { api } from '../api';
import { h, replace } from '../dom';
import { fmtDate, t, tr } from '../i18n';
import { can, type Page, type Task } from '../types';
import { errorBox, errorText, heading, loading, table, type Ctx } from '../ui';

/** A table of tasks with a Complete button on the ones the caller may complete. */
export function taskRows(
  ctx: Ctx,
  tasks: Task[],
  opts: { showLead: boolean; canComplete: (t: Task) => boolean },
): HTMLElement {
  const now = Date.now();
  const cols = [
    t('task_title'),
    ...(opts.showLead ? [t('task_lead')] : []),
    t('task_assignee'),
    t('task_due'),
    t('task_priority'),
    t('task_status'),
    '',
  ];
  const tbl = table(
    t('tasks'),
    cols,
    tasks.map((task) => {
      const status = task.status ?? 'open';
      const overdue = status === 'open' && task.dueAt && Date.parse(task.dueAt) < now;
      const statusCell = h('span', { class: `tstatus tstatus-${status}` }, tr('tstatus', status));
      const action = h('span');
      if (status === 'open' && opts.canComplete(task)) {
        const btn = h(
          'button',
          {
            attrs: { type: 'button', 'data-task-id': task.id, 'aria-label': t('complete_task', { title: task.title }) },
            on: {
              // complete() announces its own failure: nothing is left to catch
              click: () => void complete(),
            },
          },
          t('complete'),
        );
        const complete = async (): Promise<void> => {
          btn.disabled = true;
          try {
            await api('POST', `/v1/tasks/${encodeURIComponent(task.id)}/complete`);
            task.status = 'done';
            replace(statusCell, tr('tstatus', 'done'));
            statusCell.className = 'tstatus tstatus-done';
            btn.remove();
            ctx.announce(t('completed', { title: task.title }));
          } catch (e) {
            btn.disabled = false;
            ctx.announce(t('error_generic', { message: errorText(e) }), 'error');
          }
        };
        action.append(btn);
      }
      return [
        h('span', { class: 'task-title', attrs: { title: task.details ?? '', dir: 'auto' } }, task.title),
        ...(opts.showLead
          ? [h('a', { attrs: { href: `#/lead/${encodeURIComponent(task.leadId)}` } }, task.leadId)]
          : []),
        task.assignee,
        h(
          'span',
          { class: overdue ? 'overdue-text' : '' },
          fmtDate(task.dueAt),
          overdue ? ` (${t('task_overdue')})` : '',
        ),
        h(
          'span',
          { class: `priority priority-${task.priority ?? 'normal'}` },
          tr('priority', task.priority ?? 'normal'),
        ),
        statusCell,
        action,
      ];
    }),
  );
  tbl.classList.add('tasks');
  return tbl;
}

export async function renderTasks(ctx: Ctx, assigneeParam?: string): Promise<void> {
  const { root, me } = ctx;
  let title: string;
  let query: string;
  const form = h('form', { class: 'inline-form' });
  if (me.role === 'rep') {
    title = t('inbox_title');
    query = `assignee=${encodeURIComponent(me.scope ?? '')}&status=open`;
  } else {
    title = me.role === 'manager' && !assigneeParam ? t('team_tasks_title', { team: me.scope ?? '' }) : t('nav_tasks');
    const input = h('input', {
      attrs: { id: 'task-assignee', name: 'assignee', value: assigneeParam ?? '', autocomplete: 'off' },
    });
    form.append(
      h('label', { attrs: { for: 'task-assignee' } }, t('tasks_for')),
      input,
      h('button', { attrs: { type: 'submit' } }, t('show')),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      ctx.go(`#/tasks/${encodeURIComponent(input.value.trim())}`);
    });
    query = assigneeParam
      ? `assignee=${encodeURIComponent(assigneeParam)}&status=open`
      : me.role === 'manager'
        ? 'status=open'
        : '';
  }
  replace(root, heading(title), form, loading());
  if (!query) {
    root.querySelector('[aria-busy="true"]')?.remove();
    return;
  }
  try {
    const page = await api<Page<Task>>('GET', `/v1/tasks?${query}&pageSize=200`);
    const body = page.items.length
      ? taskRows(ctx, page.items, { showLead: true, canComplete: (x) => can.completeTask(me, x) })
      : h('p', { class: 'muted' }, t('no_tasks'));
    root.querySelector('[aria-busy="true"]')?.replaceWith(body);
  } catch (e) {
    root.querySelector('[aria-busy="true"]')?.replaceWith(errorBox(e));
  }
}
