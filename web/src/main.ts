/**
 * dealflow's web page: sign-in with an API key, then the board, a lead's timeline, the task inbox,
 * the thresholds editor and the charts, as the signed-in role may use them (GET /v1/me). Routes are
 * URL hashes (#/board, #/lead/<id>, #/tasks, #/thresholds, #/charts).
 */
import { api, ApiError, session, whenUnauthorized } from './api';
import { h, replace } from './dom';
import { applyLang, currentLang, LANGS, setLang, t, tr, type Lang } from './i18n';
import { can, type Me } from './types';
import { errorBox, errorText, type Ctx } from './ui';
import { renderBoard } from './views/board';
import { renderCharts } from './views/charts';
import { renderLead } from './views/lead';
import { renderTasks } from './views/tasks';
import { renderThresholds } from './views/thresholds';

const app = document.getElementById('app')!;
let me: Me | null = null;
let signInError = '';

function languageSwitch(): HTMLElement {
  const select = h(
    'select',
    {
      attrs: { id: 'lang', name: 'lang' },
      on: {
        change: () => {
          setLang(select.value as Lang);
          void render();
        },
      },
    },
    ...LANGS.map((l) => h('option', { attrs: { value: l.id, selected: l.id === currentLang(), lang: l.id } }, l.label)),
  );
  return h('div', { class: 'lang' }, h('label', { attrs: { for: 'lang' } }, t('language')), select);
}

function renderSignIn(): void {
  const input = h('input', {
    attrs: { id: 'api-key', name: 'apiKey', type: 'password', autocomplete: 'off', required: true, dir: 'ltr' },
  });
  const form = h(
    'form',
    { class: 'sign-in', attrs: { 'aria-labelledby': 'sign-in-h' } },
    h('h1', { attrs: { id: 'sign-in-h' } }, t('sign_in_title')),
    h('p', { class: 'muted', attrs: { id: 'sign-in-help' } }, t('sign_in_help')),
    h('label', { attrs: { for: 'api-key' } }, t('api_key')),
    input,
    signInError ? h('p', { class: 'error', attrs: { role: 'alert' } }, signInError) : '',
    h('button', { attrs: { type: 'submit' } }, t('sign_in')),
  );
  input.setAttribute('aria-describedby', 'sign-in-help');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    if (key) void signIn(key); // signIn shows its own failure on the form: nothing to catch here
  });
  replace(
    app,
    h('header', { class: 'top' }, h('span', { class: 'brand' }, t('app_title')), languageSwitch()),
    h('main', { attrs: { id: 'main' } }, form),
  );
  input.focus();
}

/** Checks the key with GET /v1/me; on success keeps it for the session and shows the board. */
async function signIn(key: string): Promise<void> {
  try {
    me = await api<Me>('GET', '/v1/me', undefined, key);
    session.set(key);
    signInError = '';
    if (!location.hash || location.hash === '#/') location.hash = '#/board';
    void render();
  } catch (e) {
    signInError = t('bad_key', { message: errorText(e) });
    renderSignIn();
  }
}

interface NavItem {
  hash: string;
  label: string;
  show: boolean;
}

function shell(me: Me): { main: HTMLElement; status: HTMLElement } {
  const route = location.hash.split('/')[1] ?? 'board';
  const items: NavItem[] = [
    { hash: '#/board', label: t('nav_board'), show: true },
    { hash: '#/tasks', label: t('nav_tasks'), show: can.seeTasks(me) },
    { hash: '#/thresholds', label: t('nav_thresholds'), show: can.editThresholds(me) },
    { hash: '#/charts', label: t('nav_charts'), show: can.seeCharts(me) },
  ];
  const nav = h(
    'nav',
    { attrs: { 'aria-label': t('main_nav') } },
    h(
      'ul',
      null,
      ...items
        .filter((i) => i.show)
        .map((i) =>
          h(
            'li',
            null,
            h(
              'a',
              {
                attrs: {
                  href: i.hash,
                  'aria-current': i.hash === `#/${route}` ? 'page' : null,
                  'data-nav': i.hash.slice(2),
                },
              },
              i.label,
            ),
          ),
        ),
    ),
  );
  const signOut = h(
    'button',
    {
      attrs: { type: 'button' },
      on: {
        click: () => {
          session.clear();
          location.hash = '';
          void render();
        },
      },
    },
    t('sign_out'),
  );
  const status = h('div', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } });
  const main = h('main', { attrs: { id: 'main', tabindex: '-1' } });
  replace(
    app,
    h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand' }, t('app_title')),
      nav,
      h(
        'span',
        { class: 'who', attrs: { 'data-role': me.role } },
        t('signed_in_as', { actor: me.actor, role: tr('role', me.role) }),
      ),
      languageSwitch(),
      signOut,
    ),
    status,
    main,
  );
  return { main, status };
}

async function render(): Promise<void> {
  applyLang();
  if (!session.key()) {
    me = null;
    renderSignIn();
    return;
  }
  if (!me) {
    try {
      me = await api<Me>('GET', '/v1/me');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        session.clear();
        signInError = t('bad_key', { message: e.message });
        renderSignIn();
      } else replace(app, errorBox(e));
      return;
    }
  }
  const { main, status } = shell(me);
  const ctx: Ctx = {
    me,
    root: main,
    announce(message, kind = 'ok') {
      replace(status, h('p', { class: kind === 'error' ? 'error' : 'ok' }, message));
    },
    go(hash) {
      location.hash = hash;
    },
  };
  const [, route = 'board', arg] = location.hash.split('/');
  const param = arg === undefined ? undefined : decodeURIComponent(arg);
  switch (route) {
    case 'lead':
      return renderLead(ctx, param ?? '');
    case 'tasks':
      return can.seeTasks(me) ? renderTasks(ctx, param || undefined) : renderBoard(ctx);
    case 'thresholds':
      return can.editThresholds(me) ? renderThresholds(ctx) : renderBoard(ctx);
    case 'charts':
      return can.seeCharts(me) ? renderCharts(ctx) : renderBoard(ctx);
    default:
      return renderBoard(ctx);
  }
}

whenUnauthorized(() => {
  session.clear();
  me = null;
  signInError = t('bad_key', { message: 'unauthorized' });
  void render();
});
window.addEventListener('hashchange', () => void render());
void render();
