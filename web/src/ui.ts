/** Small shared pieces of the views: the context they get, messages, errors, loading. */
import { ApiError } from './api';
import { h } from './dom';
import { t } from './i18n';
import type { Me } from './types';

export interface Ctx {
  me: Me;
  /** the view's container */
  root: HTMLElement;
  /** a polite announcement in the page's status line (also read by screen readers) */
  announce(message: string, kind?: 'ok' | 'error'): void;
  go(hash: string): void;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return (e as Error)?.message ?? String(e);
}

export function errorBox(e: unknown): HTMLElement {
  return h('p', { class: 'error', attrs: { role: 'alert' } }, t('error_generic', { message: errorText(e) }));
}

export function loading(): HTMLElement {
  return h('p', { class: 'muted', attrs: { 'aria-busy': 'true' } }, t('loading'));
}

export function unavailable(reason: 'missing' | 'forbidden'): HTMLElement {
  return h('p', { class: 'muted unavailable' }, reason === 'missing' ? t('not_available') : t('not_allowed'));
}

export function heading(text: string, level: 'h1' | 'h2' | 'h3' = 'h1', id?: string): HTMLElement {
  return h(level, { attrs: { id } }, text);
}

/** A table from column titles and rows of cells. */
export function table(caption: string, cols: string[], rows: (string | Node)[][]): HTMLTableElement {
  return h(
    'table',
    null,
    h('caption', { class: 'sr-only' }, caption),
    h('thead', null, h('tr', null, ...cols.map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
    h('tbody', null, ...rows.map((r) => h('tr', null, ...r.map((c) => h('td', null, c))))),
  );
}
