/**
 * The thresholds editor (managers: their own team's per-stage durations; admin: global, every team
 * and the escalation policy). PUT sends only what changed; a 400's field problems are shown next to
 * their fields and listed by path.
 */
import { api, ApiError, optional } from '../api';
import { h, replace } from '../dom';
import { fmtDate, t, tr } from '../i18n';
import { OPEN_STAGES, type OpenStage, type Roster, type ThresholdsDoc } from '../types';
import { errorBox, heading, loading, type Ctx } from '../ui';

const fieldId = (path: string) => `f-${path.replace(/[^A-Za-z0-9_-]/g, '_')}`;

export async function renderThresholds(ctx: Ctx): Promise<void> {
  const { root, me } = ctx;
  replace(root, heading(t('thresholds_title')), loading());
  let doc: ThresholdsDoc;
  let teams: string[];
  try {
    doc = await api<ThresholdsDoc>('GET', '/v1/config/thresholds');
    if (me.role === 'manager') teams = [me.scope ?? ''];
    else {
      const roster = await optional<Roster>('/v1/config/roster');
      teams = [
        ...new Set([...(roster.ok ? Object.keys(roster.value.teams) : []), ...Object.keys(doc.teams ?? {})]),
      ].sort();
    }
  } catch (e) {
    replace(root, heading(t('thresholds_title')), errorBox(e));
    return;
  }

  const inputs = new Map<
    string,
    { input: HTMLInputElement; before: string; kind: 'duration' | 'multiplier' | 'bool' }
  >();
  const problems = h('div', { class: 'problems', attrs: { role: 'alert' } });

  const durationField = (path: string, label: string, value: string | undefined, placeholder?: string) => {
    const id = fieldId(path);
    const input = h('input', {
      attrs: {
        id,
        name: path,
        value: value ?? '',
        placeholder: placeholder ?? '',
        'aria-describedby': `${id}-err`,
        autocomplete: 'off',
        dir: 'ltr',
        size: 10,
      },
    });
    inputs.set(path, { input, before: value ?? '', kind: 'duration' });
    return h(
      'div',
      { class: 'field' },
      h('label', { attrs: { for: id } }, label),
      input,
      h('span', { class: 'field-error error', attrs: { id: `${id}-err` } }),
    );
  };

  const fieldsets: HTMLElement[] = [];
  if (me.role === 'admin') {
    fieldsets.push(
      h(
        'fieldset',
        null,
        h('legend', null, t('thresholds_global')),
        ...OPEN_STAGES.map((s) => durationField(`global.${s}`, tr('stage', s), doc.global[s])),
      ),
    );
  }
  for (const team of teams) {
    const own = doc.teams?.[team] ?? {};
    fieldsets.push(
      h(
        'fieldset',
        { attrs: { 'data-team': team } },
        h('legend', null, t('thresholds_team', { team })),
        ...OPEN_STAGES.map((s: OpenStage) =>
          durationField(`teams.${team}.${s}`, tr('stage', s), own[s], t('inherit_hint', { value: doc.global[s] })),
        ),
      ),
    );
  }
  if (me.role === 'admin') {
    const mult = doc.escalation.multipliers.map((m, i) => {
      const path = `escalation.multipliers.${i}`;
      const id = fieldId(path);
      const input = h('input', {
        attrs: {
          id,
          name: path,
          type: 'number',
          step: 'any',
          min: '0',
          value: String(m),
          'aria-describedby': `${id}-err`,
          dir: 'ltr',
        },
      });
      inputs.set(path, { input, before: String(m), kind: 'multiplier' });
      return h(
        'div',
        { class: 'field' },
        h('label', { attrs: { for: id } }, t('multiplier_level', { level: i + 1 })),
        input,
        h('span', { class: 'field-error error', attrs: { id: `${id}-err` } }),
      );
    });
    const auto = h('input', {
      attrs: {
        id: fieldId('escalation.autoReassign'),
        name: 'escalation.autoReassign',
        type: 'checkbox',
        checked: doc.escalation.autoReassign,
      },
    });
    inputs.set('escalation.autoReassign', { input: auto, before: String(doc.escalation.autoReassign), kind: 'bool' });
    fieldsets.push(
      h(
        'fieldset',
        null,
        h('legend', null, t('escalation_policy')),
        ...mult,
        h('div', { class: 'field checkbox' }, auto, h('label', { attrs: { for: auto.id } }, t('auto_reassign'))),
      ),
    );
  }

  const meta = h('p', { class: 'meta', attrs: { 'data-version': doc.version } });
  const showMeta = (d: ThresholdsDoc) => {
    meta.setAttribute('data-version', String(d.version));
    replace(
      meta,
      d.version
        ? t('thresholds_meta', { version: d.version, at: fmtDate(d.updatedAt), by: d.updatedBy ?? '—' })
        : t('thresholds_defaults'),
    );
  };
  showMeta(doc);

  const save = h('button', { attrs: { type: 'submit' } }, t('save'));
  const form = h('form', { class: 'thresholds', attrs: { novalidate: true } }, ...fieldsets, problems, save);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void submit();
  });

  const clearProblems = () => {
    replace(problems);
    for (const { input } of inputs.values()) {
      input.removeAttribute('aria-invalid');
      replace(document.getElementById(`${input.id}-err`) ?? h('span'));
    }
  };

  const submit = async () => {
    clearProblems();
    const patch: {
      global?: Record<string, string>;
      teams?: Record<string, Record<string, string | null>>;
      escalation?: { multipliers?: number[]; autoReassign?: boolean };
    } = {};
    let multChanged = false;
    for (const [path, f] of inputs) {
      const now = f.kind === 'bool' ? String(f.input.checked) : f.input.value.trim();
      if (now === f.before) continue;
      const parts = path.split('.');
      if (parts[0] === 'global') (patch.global ??= {})[parts[1]] = now;
      else if (parts[0] === 'teams') ((patch.teams ??= {})[parts[1]] ??= {})[parts[2]] = now === '' ? null : now;
      else if (path === 'escalation.autoReassign') (patch.escalation ??= {}).autoReassign = f.input.checked;
      else multChanged = true;
    }
    if (multChanged) {
      (patch.escalation ??= {}).multipliers = doc.escalation.multipliers.map((_, i) =>
        Number(inputs.get(`escalation.multipliers.${i}`)!.input.value),
      );
    }
    if (!Object.keys(patch).length) {
      ctx.announce(t('nothing_changed'));
      return;
    }
    save.disabled = true;
    try {
      const next = await api<ThresholdsDoc>('PUT', '/v1/config/thresholds', patch);
      doc = next;
      for (const [path, f] of inputs) {
        const parts = path.split('.');
        const v =
          parts[0] === 'global'
            ? next.global[parts[1] as OpenStage]
            : parts[0] === 'teams'
              ? (next.teams?.[parts[1]]?.[parts[2] as OpenStage] ?? '')
              : path === 'escalation.autoReassign'
                ? String(next.escalation.autoReassign)
                : String(next.escalation.multipliers[Number(parts[2])]);
        f.before = v;
        if (f.kind === 'bool') f.input.checked = v === 'true';
        else f.input.value = v;
      }
      showMeta(next);
      ctx.announce(t('saved', { version: next.version }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.details.length) {
        const list = h('ul');
        for (const d of e.details) {
          list.append(h('li', null, h('code', null, d.path), ': ', d.message));
          const f = inputs.get(d.path);
          if (f) {
            f.input.setAttribute('aria-invalid', 'true');
            replace(document.getElementById(`${f.input.id}-err`) ?? h('span'), d.message);
          }
        }
        replace(problems, h('p', null, t('validation_failed')), list);
        inputs.get(e.details[0].path)?.input.focus();
      } else {
        replace(problems, errorBox(e));
      }
    } finally {
      save.disabled = false;
    }
  };

  replace(root, heading(t('thresholds_title')), meta, h('p', { class: 'muted' }, t('thresholds_help')), form);
}
