/**
 * Persian (fa) templates: right-to-left; numbers, dates and durations go through the kit, which
 * formats them with Persian digits and the Persian (Solar Hijri) calendar. Content only: escaping
 * and header safety are done by templates/index.ts.
 */
import type { Block, Inline, LocaleBundle, TemplateContext, TemplateKit, TemplateParts } from './index';

const greeting = (c: TemplateContext): string => (c.lead.name ? `سلام ${c.lead.name}،` : 'سلام،');
const signOff = (c: TemplateContext): string => `با احترام،\n${c.owner.name}`;

function leadMail(c: TemplateContext, subject: string, blocks: Block[]): TemplateParts {
  return { subject, blocks: [greeting(c), ...blocks, signOff(c)] };
}

function internalMail(greetName: string | undefined, subject: string, blocks: Block[]): TemplateParts {
  return { subject, blocks: [greetName ? `سلام ${greetName}،` : 'سلام،', ...blocks, '— dealflow'] };
}

function openDeal(k: TemplateKit): Block[] {
  const url = k.v('leadUrl');
  return url ? [{ button: { href: url, label: 'مشاهده‌ی معامله' } }] : [];
}

function leadLine(c: TemplateContext): Inline[] {
  const who = c.lead.name ? `${c.lead.name} <${c.lead.email}>` : c.lead.email;
  return ['سرنخ: ', { text: who, strong: true }, c.lead.company ? `، ${c.lead.company}` : ''];
}

const PRIORITIES: Record<string, string> = {
  urgent: 'فوری',
  high: 'بالا',
  normal: 'عادی',
  medium: 'متوسط',
  low: 'پایین',
};

/** "in stage X for N days" as a phrase, with whichever parts are known. */
function idlePhrase(stage: string, idle: string): string {
  return `${stage ? ` در مرحله‌ی «${stage}»` : ''}${idle ? ` به مدت ${idle}` : ''}`;
}

export const fa: LocaleBundle = {
  locale: 'fa',
  dir: 'rtl',
  intlDate: 'fa-IR-u-ca-persian-nu-arabext',
  intlNumber: 'fa-IR-u-nu-arabext',
  units: {
    ms: (n) => `${n} میلی‌ثانیه`,
    s: (n) => `${n} ثانیه`,
    m: (n) => `${n} دقیقه`,
    h: (n) => `${n} ساعت`,
    d: (n) => `${n} روز`,
    w: (n) => `${n} هفته`,
  },
  stages: {
    prospecting: 'شناسایی مشتری',
    preparation: 'آماده‌سازی',
    approach: 'برقراری ارتباط',
    presentation: 'ارائه',
    objections: 'رفع نگرانی‌ها',
    closing: 'نهایی‌سازی',
    follow_up: 'پیگیری پس از فروش',
  },
  bullet: '•',
  fontFamily: "Vazirmatn, Tahoma, 'Segoe UI', Arial, sans-serif",

  footer(c) {
    if (!c.unsubscribeUrl) return ['ارسال‌شده از dealflow، سامانه‌ی مدیریت فروش شما.'];
    return [
      `این ایمیل را دریافت می‌کنید چون ${c.owner.name} از تیم فروش ما با ${c.lead.company ?? 'شما'} در ارتباط است.`,
      ['اگر مایل به دریافت این ایمیل‌ها نیستید، ', { text: 'با یک کلیک لغو اشتراک کنید', href: c.unsubscribeUrl }, '.'],
    ];
  },

  templates: {
    approach_intro: (c, k) =>
      leadMail(
        c,
        c.lead.company ? `${c.lead.company}: پیشنهادی کوتاه از طرف ${c.owner.name}` : `آشنایی کوتاه با ${c.owner.name}`,
        [
          `من ${c.owner.name} هستم. ما به تیم‌هایی مانند ${c.lead.company ?? 'تیم شما'} کمک می‌کنیم معامله‌هایشان را بدون کارهای تکراری پیش ببرند؛ پیگیری‌ها، یادآوری‌ها و واگذاری‌ها خودکار انجام می‌شوند.`,
          `آیا یک تماس ${k.number(15)} دقیقه‌ای در هفته‌ی آینده برایتان مفید است؟ کافی است به همین ایمیل پاسخ دهید و زمان مناسب را بگویید.`,
        ],
      ),

    approach_followup_1: (c) =>
      leadMail(c, c.lead.company ? `پیگیری: ${c.lead.company}` : 'پیگیری پیام قبلی من', [
        `خواستم پیام قبلی‌ام را یادآوری کنم. اگر این موضوع برای ${c.lead.company ?? 'شما'} در اولویت است، خوشحال می‌شوم در یک گفت‌وگوی کوتاه جزئیات را توضیح دهم.`,
        'کدام روز این هفته برایتان مناسب‌تر است؟',
      ]),

    approach_followup_2: (c, k) =>
      leadMail(c, `ایده‌ای برای ${c.lead.company ?? 'تیم شما'}`, [
        'تیم‌هایی که پیگیری‌هایشان را خودکار می‌کنند معمولاً زودتر پاسخ می‌گیرند و معامله‌های کمتری را از دست می‌دهند. خلاصه‌ای کوتاه از نحوه‌ی کار آن آماده کرده‌ام.',
        `اگر مایل باشید، آن را برایتان می‌فرستم یا در ${k.number(15)} دقیقه توضیح می‌دهم.`,
      ]),

    approach_breakup: (c) =>
      leadMail(c, 'آخرین پیام من', [
        'چون پاسخی دریافت نکردم، فرض می‌کنم اکنون زمان مناسبی نیست و دیگر پیگیری نمی‌کنم.',
        'اگر شرایط تغییر کرد، کافی است به همین ایمیل پاسخ دهید؛ با کمال میل ادامه می‌دهیم.',
      ]),

    presentation_reminder: (c, k) => {
      const at = k.v('meetingAt');
      return leadMail(c, at ? `یادآوری: جلسه‌ی معرفی محصول در ${k.date(at)}` : 'یادآوری: جلسه‌ی معرفی محصول', [
        at
          ? `یادآوری کوتاه برای جلسه‌ی معرفی محصول در ${k.dateTime(at)}.`
          : 'یادآوری کوتاه برای جلسه‌ی معرفی محصولی که درباره‌اش صحبت کردیم.',
        { button: { href: k.v('meetingUrl'), label: 'ورود به جلسه' } },
        'اگر این زمان دیگر برایتان مناسب نیست، پاسخ دهید تا زمان دیگری هماهنگ کنیم.',
      ]);
    },

    objection_content_price: (c) =>
      leadMail(c, 'درباره‌ی هزینه', [
        'بودجه مهم است؛ مشتریان ما معمولاً این‌طور حساب می‌کنند: زمانی که فروشندگان از پیگیری‌های دستی آزاد می‌کنند و معامله‌هایی که دیگر متوقف نمی‌شوند، معمولاً هزینه‌ی اشتراک را در همان سه ماه اول جبران می‌کند.',
        `خوشحال می‌شوم این محاسبه را برای ${c.lead.company ?? 'تیم شما'} با هم انجام دهیم.`,
      ]),

    objection_content_timing: (c) =>
      leadMail(c, 'زمان مناسب', [
        'می‌دانم که شاید الان بهترین زمان نباشد. راه‌اندازی کمتر از یک هفته طول می‌کشد و می‌توانیم آن را طبق برنامه‌ی شما تنظیم کنیم تا کار مهمی مختل نشود.',
        'موافقید تاریخی را که برایتان مناسب است مشخص کنیم؟',
      ]),

    objection_content_competitor: (c) =>
      leadMail(c, 'مقایسه با گزینه‌های دیگر', [
        'مقایسه‌ی گزینه‌ها کار درستی است. آنچه مشتریان ما را متمایز می‌دانند: هر سرنخ در یک گردش‌کار پایدار پیش می‌رود، پس هیچ پیگیری‌ای گم یا تکراری نمی‌شود و مدیران معامله‌های متوقف‌شده را پیش از سرد شدن می‌بینند.',
        `خوشحال می‌شوم یک مقایسه‌ی منصفانه برای ${c.lead.company ?? 'شما'} آماده کنم.`,
      ]),

    objection_content_other: (c, k) =>
      leadMail(c, 'پاسخ به پرسش‌های شما', [
        'از اینکه نگرانی‌هایتان را با ما در میان گذاشتید سپاسگزارم. آن‌ها را یادداشت کرده‌ام و می‌خواهم به هرکدام با دقت پاسخ دهم.',
        `آیا این هفته ${k.number(20)} دقیقه وقت دارید تا با هم مرورشان کنیم؟`,
      ]),

    proposal: (c, k) => {
      const amount = k.n('amount');
      const expires = k.date(c.expiresAt ?? k.v('expiresAt'));
      return leadMail(c, `پیشنهاد ما برای ${c.lead.company ?? c.lead.name ?? 'شما'}`, [
        'همان‌طور که قول داده بودم، پیشنهاد ما آماده است.',
        ...(amount !== undefined ? [`مبلغ کل: ${k.money(amount, k.v('currency'))}.`] : []),
        ...(expires ? [`این پیشنهاد تا ${expires} معتبر است.`] : []),
        { button: { href: k.v('proposalUrl'), label: 'مشاهده‌ی پیشنهاد' } },
        'اگر پرسشی دارید پاسخ دهید؛ با کمال میل آن را مطابق نیاز شما تنظیم می‌کنیم.',
      ]);
    },

    proposal_reminder: (c, k) => {
      const expires = k.date(c.expiresAt ?? k.v('expiresAt'));
      const forWhom = c.lead.company ? ` برای ${c.lead.company}` : '';
      return leadMail(c, expires ? `یادآوری: پیشنهاد ما تا ${expires} معتبر است` : 'یادآوری: پیشنهاد ما', [
        expires
          ? `یادآوری دوستانه: اعتبار پیشنهاد ما${forWhom} در ${expires} به پایان می‌رسد.`
          : `یادآوری دوستانه درباره‌ی پیشنهاد ما${forWhom}.`,
        { button: { href: k.v('proposalUrl'), label: 'مشاهده‌ی پیشنهاد' } },
        'اگر به زمان بیشتر یا تغییری نیاز دارید، کافی است خبر دهید.',
      ]);
    },

    thank_you: (c) =>
      leadMail(c, 'از اعتماد شما سپاسگزاریم', [
        `از اینکه ما را انتخاب کردید سپاسگزاریم. خوشحالیم که همکاری با ${c.lead.company ?? 'شما'} را آغاز کرده‌ایم.`,
        'همچنان رابط شما خواهم بود؛ هر زمان نیازی داشتید، به همین ایمیل پاسخ دهید.',
      ]),

    survey: (c, k) =>
      leadMail(c, 'نظر شما برای ما مهم است', [
        `از ${k.number(0)} تا ${k.number(10)}، چقدر احتمال دارد ما را به یک دوست یا همکار پیشنهاد کنید؟`,
        { button: { href: c.surveyUrl, label: 'پاسخ به نظرسنجی یک‌سؤالی' } },
        'کمتر از یک دقیقه زمان می‌برد و همه‌ی پاسخ‌ها را می‌خوانیم.',
      ]),

    survey_reminder: (c) =>
      leadMail(c, 'یادآوری: نظرسنجی یک‌سؤالی', [
        'چند روز پیش پرسیدیم چقدر احتمال دارد ما را به دیگران پیشنهاد کنید. اگر یک دقیقه وقت دارید، پاسخ شما کمک بزرگی به ما است.',
        { button: { href: c.surveyUrl, label: 'پاسخ به نظرسنجی' } },
      ]),

    referral_request: (c, k) => {
      const review = k.v('reviewUrl');
      return leadMail(c, 'درخواستی کوچک از شما', [
        'از امتیاز خوب شما سپاسگزاریم! اگر کسی را می‌شناسید که از همکاری با ما بهره می‌برد، معرفی شما برایمان بسیار ارزشمند است.',
        { button: { href: k.v('referralUrl'), label: 'معرفی ما' } },
        'یا کافی است نام او را در پاسخ بنویسید؛ بقیه‌اش با من.',
        ...(review
          ? [
              [
                'نوشتن یک نظر کوتاه هم به دیگران کمک می‌کند ما را پیدا کنند: ',
                { text: 'ثبت نظر', href: review },
                '.',
              ] as Inline[],
            ]
          : []),
      ]);
    },

    stall_reminder_owner: (c, k) => {
      const label = k.leadLabel();
      const idle = k.duration(k.v('stalledFor'));
      const stage = k.stage(k.v('stage'));
      return internalMail(
        c.owner.name,
        idle ? `معامله‌ی متوقف: ${label}، ${idle} بدون فعالیت` : `معامله‌ی متوقف: ${label} نیاز به توجه دارد`,
        [
          `معامله با ${label}${idlePhrase(stage, idle)} بدون هیچ فعالیتی مانده است.`,
          leadLine(c),
          'برای ادامه‌ی مسیر، یک تماس، ایمیل یا جلسه ثبت کنید یا معامله را به مرحله‌ی دیگری ببرید.',
          ...openDeal(k),
        ],
      );
    },

    escalation_manager: (c, k) => {
      const label = k.leadLabel();
      const idle = k.duration(k.v('stalledFor'));
      const stage = k.stage(k.v('stage'));
      return internalMail(k.v('managerName'), `ارجاع: معامله‌ی ${label} (${c.owner.name}) در خطر است`, [
        `معامله با ${label} به مسئولیت ${c.owner.name}${idlePhrase(stage, idle)} بدون فعالیت مانده و اکنون «در خطر» علامت خورده است.`,
        leadLine(c),
        'لطفاً با مسئول معامله هماهنگ کنید یا آن را به فرد دیگری واگذار کنید.',
        ...openDeal(k),
      ]);
    },

    task_digest: (c, k) => {
      const tasks = c.tasks ?? [];
      const count = k.n('taskCount') ?? tasks.length;
      const day = k.date(k.v('digestDate'));
      return internalMail(c.owner.name, `کارهای باز شما${day ? ` در ${day}` : ''}: ${k.number(count)} مورد`, [
        count === 0 ? 'هیچ کار بازی ندارید. عالی است!' : `${k.number(count)} کار باز دارید:`,
        ...(tasks.length > 0
          ? [
              {
                list: tasks.map((t): Inline[] => [
                  { text: t.title, strong: true },
                  t.dueAt && k.dateTime(t.dueAt) ? `، سررسید ${k.dateTime(t.dueAt)}` : '',
                  t.priority
                    ? ` (اولویت ${Object.hasOwn(PRIORITIES, t.priority) ? PRIORITIES[t.priority] : t.priority})`
                    : '',
                ]),
              },
            ]
          : []),
        { button: { href: k.v('inboxUrl'), label: 'مشاهده‌ی فهرست کارها' } },
      ]);
    },
  },
};
