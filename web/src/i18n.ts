/**
 * Longer than our ~400-line guide on purpose: it is data (the two catalogues side by side), not logic.
 *
 * Every string the page shows, in English and Persian. `fa` is typed against `en`, so a missing
 * translation is a type error. Persian sets dir="rtl" and lang="fa" on <html> and uses Persian
 * digits and the Persian calendar (Intl with fa-IR).
 */
import type { Converted, Money } from './types';

const en = {
  app_title: 'dealflow',
  sign_in_title: 'Sign in',
  sign_in_help: 'Paste your API key. It is kept in this browser tab only and sent with every request.',
  api_key: 'API key',
  sign_in: 'Sign in',
  sign_out: 'Sign out',
  bad_key: 'That key was not accepted: {message}',
  signed_in_as: 'Signed in as {actor} ({role})',
  language: 'Language',
  main_nav: 'Main',
  nav_board: 'Board',
  nav_tasks: 'Tasks',
  nav_thresholds: 'Thresholds',
  nav_charts: 'Charts and goals',
  loading: 'Loading…',
  refresh: 'Refresh',
  error_generic: 'Something went wrong: {message}',
  not_available: 'Not available yet.',
  not_allowed: 'Not available for your role.',
  role_admin: 'admin',
  role_marketing: 'marketing',
  role_manager: 'manager',
  role_rep: 'rep',
  stage_prospecting: 'Prospecting',
  stage_preparation: 'Preparation',
  stage_approach: 'Approach',
  stage_presentation: 'Presentation',
  stage_objections: 'Objections',
  stage_closing: 'Closing',
  stage_follow_up: 'Follow-up',
  status_open: 'open',
  status_won: 'won',
  status_lost: 'lost',
  status_disqualified: 'disqualified',
  status_completed: 'completed',
  board_title: 'Pipeline board',
  board_help:
    'Open deals by stage; won deals are in follow-up. Choose a stage on a card, or drag it to a column, to move it.',
  column_summary: '{count} deals · {value}',
  column_flags: '{atRisk} at risk · {stalled} stalled',
  at_risk: 'At risk',
  stalled: 'Stalled',
  overdue: 'Past threshold',
  no_deals: 'No deals',
  more_deals: 'More deals than shown here.',
  move_to: 'Move to',
  moving: 'Moving…',
  moved: '{name} moved to {stage}.',
  move_refused: 'Move refused: {message}',
  owner: 'Owner',
  team: 'Team',
  company: 'Company',
  value: 'Value',
  email: 'Email',
  score: 'Score',
  stage: 'Stage',
  status: 'Status',
  escalation_level: 'Escalation level',
  last_activity: 'Last activity',
  next_action: 'Next',
  back_to_board: 'Back to the board',
  timeline: 'Timeline',
  col_time: 'Time',
  col_type: 'What',
  col_change: 'Change',
  col_actor: 'Who',
  col_cause: 'Cause',
  no_history: 'Nothing recorded yet.',
  tasks: 'Tasks',
  emails: 'Emails',
  no_tasks: 'No tasks.',
  no_emails: 'No emails sent.',
  email_template: 'Template',
  email_step: 'Step',
  email_sent_at: 'Sent',
  htype_created: 'created',
  htype_stage_changed: 'stage changed',
  htype_activity_logged: 'activity logged',
  htype_customer_replied: 'customer replied',
  htype_task_created: 'task created',
  htype_task_completed: 'task completed',
  htype_task_cancelled: 'task cancelled',
  htype_reassigned: 'reassigned',
  htype_won: 'won',
  htype_lost: 'lost',
  htype_disqualified: 'disqualified',
  htype_automation: 'automation',
  htype_automation_failed: 'automation failed',
  htype_escalation: 'escalation',
  htype_email_sent: 'email sent',
  htype_email_skipped: 'email skipped',
  htype_config_applied: 'configuration applied',
  htype_continued_as_new: 'continued as new',
  htype_completed: 'completed',
  inbox_title: 'My open tasks',
  team_tasks_title: 'Open tasks of team {team}',
  tasks_for: 'Assignee',
  show: 'Show',
  task_title: 'Task',
  task_lead: 'Lead',
  task_due: 'Due',
  task_priority: 'Priority',
  task_assignee: 'Assignee',
  task_status: 'Status',
  task_overdue: 'overdue',
  complete: 'Complete',
  complete_task: 'Complete task {title}',
  completed: 'Done: {title}',
  priority_low: 'low',
  priority_normal: 'normal',
  priority_high: 'high',
  priority_urgent: 'urgent',
  tstatus_open: 'open',
  tstatus_done: 'done',
  tstatus_cancelled: 'cancelled',
  thresholds_title: 'Stall thresholds',
  thresholds_help:
    'How long a deal may sit in a stage without activity before it escalates. Durations such as 90s, 15m, 3d or 2 weeks.',
  thresholds_meta: 'Version {version}, changed {at} by {by}',
  thresholds_defaults: 'Version 0: the defaults',
  thresholds_global: 'Global (every team)',
  thresholds_team: 'Team {team}',
  inherit_hint: 'empty: global ({value})',
  escalation_policy: 'Escalation',
  multiplier_level: 'Level {level} at × threshold',
  auto_reassign: 'Reassign to the team queue automatically at level 3',
  save: 'Save',
  saved: 'Saved: version {version}.',
  nothing_changed: 'Nothing changed.',
  validation_failed: 'Not saved. Fix these fields:',
  charts_title: 'Charts and goals',
  pipeline_title: 'Pipeline by stage',
  funnel_title: 'Funnel',
  funnel_period: 'From {from} to {to}',
  funnel_summary: 'Won {won}, lost {lost}, win rate {rate}, median cycle {days} days',
  funnel_bar: '{entered} entered, {conversion} advanced',
  forecast_title: 'Forecast',
  forecast_summary: 'Pipeline {total}, weighted {weighted}',
  forecast_currency: 'Weighted forecast in {currency}',
  converted_total: '≈ {amount} (converted, rates v{version})',
  converted_missing: 'no {currency} total: no rate for {missing} (rates v{version})',
  goal_other_currencies: 'also won in other currencies (not counted): {amounts}',
  forecast_bar: '{weighted} ({probability} of {value})',
  goals_title: 'Goals',
  no_goals: 'No goals set.',
  goal_line: '{team} · {period}',
  goal_progress: '{actual} of {target} ({percent})',
  metric_new_customers: 'new customers',
  metric_won_value: 'won value',
  metric_leads_contacted: 'leads contacted',
  col_stage: 'Stage',
  col_count: 'Deals',
  col_value: 'Value',
  col_at_risk: 'At risk',
  col_stalled: 'Stalled',
};

export type MessageKey = keyof typeof en;

const fa: Record<MessageKey, string> = {
  app_title: 'دیل‌فلو',
  sign_in_title: 'ورود',
  sign_in_help:
    'کلید API خود را اینجا بچسبانید. فقط در همین زبانهٔ مرورگر نگه داشته می‌شود و با هر درخواست فرستاده می‌شود.',
  api_key: 'کلید API',
  sign_in: 'ورود',
  sign_out: 'خروج',
  bad_key: 'این کلید پذیرفته نشد: {message}',
  signed_in_as: 'واردشده به نام {actor} ({role})',
  language: 'زبان',
  main_nav: 'اصلی',
  nav_board: 'تابلو',
  nav_tasks: 'کارها',
  nav_thresholds: 'آستانه‌ها',
  nav_charts: 'نمودارها و اهداف',
  loading: 'در حال بارگذاری…',
  refresh: 'تازه‌سازی',
  error_generic: 'مشکلی پیش آمد: {message}',
  not_available: 'هنوز در دسترس نیست.',
  not_allowed: 'برای نقش شما در دسترس نیست.',
  role_admin: 'مدیر سامانه',
  role_marketing: 'بازاریابی',
  role_manager: 'مدیر فروش',
  role_rep: 'کارشناس فروش',
  stage_prospecting: 'شناسایی',
  stage_preparation: 'آماده‌سازی',
  stage_approach: 'برقراری تماس',
  stage_presentation: 'ارائه',
  stage_objections: 'اعتراض‌ها',
  stage_closing: 'نهایی‌سازی',
  stage_follow_up: 'پیگیری',
  status_open: 'باز',
  status_won: 'موفق',
  status_lost: 'ازدست‌رفته',
  status_disqualified: 'ردصلاحیت',
  status_completed: 'پایان‌یافته',
  board_title: 'تابلوی فروش',
  board_help:
    'معامله‌های باز بر اساس مرحله؛ معامله‌های موفق در پیگیری هستند. برای جابه‌جایی، روی کارت مرحله را انتخاب کنید یا آن را به ستون دیگری بکشید.',
  column_summary: '{count} معامله · {value}',
  column_flags: '{atRisk} در خطر · {stalled} متوقف',
  at_risk: 'در خطر',
  stalled: 'متوقف',
  overdue: 'گذشته از آستانه',
  no_deals: 'معامله‌ای نیست',
  more_deals: 'معامله‌های بیشتری از آنچه اینجا آمده وجود دارد.',
  move_to: 'انتقال به',
  moving: 'در حال انتقال…',
  moved: '{name} به {stage} منتقل شد.',
  move_refused: 'انتقال پذیرفته نشد: {message}',
  owner: 'مسئول',
  team: 'تیم',
  company: 'شرکت',
  value: 'ارزش',
  email: 'ایمیل',
  score: 'امتیاز',
  stage: 'مرحله',
  status: 'وضعیت',
  escalation_level: 'سطح پیگیری',
  last_activity: 'آخرین فعالیت',
  next_action: 'گام بعدی',
  back_to_board: 'بازگشت به تابلو',
  timeline: 'گاه‌شمار',
  col_time: 'زمان',
  col_type: 'رویداد',
  col_change: 'تغییر',
  col_actor: 'انجام‌دهنده',
  col_cause: 'علت',
  no_history: 'هنوز چیزی ثبت نشده است.',
  tasks: 'کارها',
  emails: 'ایمیل‌ها',
  no_tasks: 'کاری نیست.',
  no_emails: 'ایمیلی فرستاده نشده است.',
  email_template: 'قالب',
  email_step: 'گام',
  email_sent_at: 'زمان ارسال',
  htype_created: 'ایجاد شد',
  htype_stage_changed: 'تغییر مرحله',
  htype_activity_logged: 'ثبت فعالیت',
  htype_customer_replied: 'پاسخ مشتری',
  htype_task_created: 'ایجاد کار',
  htype_task_completed: 'انجام کار',
  htype_task_cancelled: 'لغو کار',
  htype_reassigned: 'واگذاری',
  htype_won: 'موفق',
  htype_lost: 'ازدست‌رفته',
  htype_disqualified: 'ردصلاحیت',
  htype_automation: 'خودکارسازی',
  htype_automation_failed: 'خطای خودکارسازی',
  htype_escalation: 'ارجاع',
  htype_email_sent: 'ایمیل فرستاده شد',
  htype_email_skipped: 'ایمیل فرستاده نشد',
  htype_config_applied: 'اعمال پیکربندی',
  htype_continued_as_new: 'ادامه در اجرای تازه',
  htype_completed: 'پایان',
  inbox_title: 'کارهای باز من',
  team_tasks_title: 'کارهای باز تیم {team}',
  tasks_for: 'مسئول',
  show: 'نمایش',
  task_title: 'کار',
  task_lead: 'سرنخ',
  task_due: 'موعد',
  task_priority: 'اولویت',
  task_assignee: 'مسئول',
  task_status: 'وضعیت',
  task_overdue: 'گذشته از موعد',
  complete: 'انجام شد',
  complete_task: 'انجام کار {title}',
  completed: 'انجام شد: {title}',
  priority_low: 'کم',
  priority_normal: 'عادی',
  priority_high: 'زیاد',
  priority_urgent: 'فوری',
  tstatus_open: 'باز',
  tstatus_done: 'انجام‌شده',
  tstatus_cancelled: 'لغوشده',
  thresholds_title: 'آستانه‌های توقف',
  thresholds_help:
    'مدتی که یک معامله بدون فعالیت می‌تواند در یک مرحله بماند تا ارجاع شود. مدت‌ها مانند 90s، 15m، 3d یا 2 weeks.',
  thresholds_meta: 'نسخهٔ {version}، تغییر در {at} به دست {by}',
  thresholds_defaults: 'نسخهٔ ۰: مقادیر پیش‌فرض',
  thresholds_global: 'سراسری (همهٔ تیم‌ها)',
  thresholds_team: 'تیم {team}',
  inherit_hint: 'خالی: سراسری ({value})',
  escalation_policy: 'ارجاع',
  multiplier_level: 'سطح {level} در × آستانه',
  auto_reassign: 'واگذاری خودکار به صف تیم در سطح ۳',
  save: 'ذخیره',
  saved: 'ذخیره شد: نسخهٔ {version}.',
  nothing_changed: 'چیزی تغییر نکرد.',
  validation_failed: 'ذخیره نشد. این خانه‌ها را درست کنید:',
  charts_title: 'نمودارها و اهداف',
  pipeline_title: 'معامله‌ها بر اساس مرحله',
  funnel_title: 'قیف تبدیل',
  funnel_period: 'از {from} تا {to}',
  funnel_summary: '{won} موفق، {lost} ازدست‌رفته، نرخ موفقیت {rate}، میانهٔ چرخه {days} روز',
  funnel_bar: '{entered} ورود، {conversion} پیشرفت',
  forecast_title: 'پیش‌بینی',
  forecast_summary: 'ارزش کل {total}، وزنی {weighted}',
  forecast_currency: 'پیش‌بینی وزنی به {currency}',
  converted_total: '≈ {amount} (تبدیل‌شده، نرخ‌های نسخهٔ {version})',
  converted_missing: 'جمع {currency} در دسترس نیست: نرخی برای {missing} نیست (نرخ‌های نسخهٔ {version})',
  goal_other_currencies: 'موفق به ارزهای دیگر (شمرده نشده): {amounts}',
  forecast_bar: '{weighted} ({probability} از {value})',
  goals_title: 'اهداف',
  no_goals: 'هدفی تعیین نشده است.',
  goal_line: '{team} · {period}',
  goal_progress: '{actual} از {target} ({percent})',
  metric_new_customers: 'مشتریان تازه',
  metric_won_value: 'ارزش معامله‌های موفق',
  metric_leads_contacted: 'سرنخ‌های تماس‌گرفته',
  col_stage: 'مرحله',
  col_count: 'معامله‌ها',
  col_value: 'ارزش',
  col_at_risk: 'در خطر',
  col_stalled: 'متوقف',
};

export type Lang = 'en' | 'fa';
export const LANGS: { id: Lang; label: string }[] = [
  { id: 'en', label: 'English' },
  { id: 'fa', label: 'فارسی' },
];
const DICTS: Record<Lang, Record<MessageKey, string>> = { en, fa };
const LANG_KEY = 'dealflow.lang';

let lang: Lang = (localStorage.getItem(LANG_KEY) as Lang | null) === 'fa' ? 'fa' : 'en';

export function currentLang(): Lang {
  return lang;
}

/** Switches the language and sets <html lang dir>; the caller re-renders. */
export function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem(LANG_KEY, next);
  applyLang();
}

export function applyLang(): void {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'fa' ? 'rtl' : 'ltr';
  document.title = t('app_title');
}

const locale = (): string => (lang === 'fa' ? 'fa-IR' : 'en-GB');

export function fmtNum(n: number, opts: Intl.NumberFormatOptions = {}): string {
  return new Intl.NumberFormat(locale(), opts).format(n);
}
export function fmtPercent(ratio: number): string {
  return fmtNum(ratio, { style: 'percent', maximumFractionDigits: 1 });
}
/** An amount in its currency, with the currency's symbol and minor unit (Intl: JPY none, EUR 2, BHD 3). */
export function fmtMoney(n: number | null | undefined, currency?: string | null): string {
  if (n === null || n === undefined) return '—';
  if (currency) {
    try {
      return fmtNum(n, { style: 'currency', currency });
    } catch {
      /* an unknown currency code: the number and the code */
      return `${fmtNum(n)} ${currency}`;
    }
  }
  return fmtNum(n, { maximumFractionDigits: 0 });
}

/** Per-currency totals (the API never adds currencies): `€60,000.00 · ¥10,000,000`, `—` for none. */
export function fmtAmounts(values: readonly Money[] | undefined): string {
  return values?.length ? values.map((v) => fmtMoney(v.amount, v.currency)).join(' · ') : '—';
}

/** A converted total labelled with the rates' version, or which currency has no rate; '' without rates. */
export function fmtConverted(c: Converted | undefined): string {
  if (!c) return '';
  if (c.amount === null)
    return t('converted_missing', {
      currency: c.currency,
      missing: c.missingRates.join(', '),
      version: String(c.ratesVersion),
    });
  return t('converted_total', { amount: fmtMoney(c.amount, c.currency), version: String(c.ratesVersion) });
}
export function fmtDate(iso: string | null | undefined, withTime = true): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(
    locale(),
    withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' },
  ).format(d);
}

/** The message `key` with `{name}` placeholders filled; numbers are formatted for the language. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return DICTS[lang][key].replace(/\{(\w+)\}/g, (m, name: string) => {
    const v = vars[name];
    if (v === undefined) return m;
    return typeof v === 'number' ? fmtNum(v) : v;
  });
}

/** A translated name for a value of a known family (stage, status, history type …), else the value itself. */
export function tr(
  prefix: 'stage' | 'status' | 'htype' | 'priority' | 'tstatus' | 'role' | 'metric',
  value: string | null | undefined,
): string {
  if (!value) return '—';
  const key = `${prefix}_${value}` as MessageKey;
  return key in en ? t(key) : value;
}
