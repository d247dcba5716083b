/**
 * English templates. Content only: every value is plain text here and is escaped (HTML) and reduced
 * to one line (subject) by templates/index.ts. Extras come from `ctx.vars` through `k.v`/`k.n`.
 */
import type { Block, Inline, LocaleBundle, TemplateContext, TemplateKit, TemplateParts } from './index';

const greeting = (c: TemplateContext): string => (c.lead.name ? `Hi ${c.lead.name},` : 'Hi there,');
const signOff = (c: TemplateContext): string => `Best regards,\n${c.owner.name}`;
const yourTeam = (c: TemplateContext): string => c.lead.company ?? 'your team';

/** A lead-facing message: greeting, the paragraphs, the owner's sign-off. */
function leadMail(c: TemplateContext, subject: string, blocks: Block[]): TemplateParts {
  return { subject, blocks: [greeting(c), ...blocks, signOff(c)] };
}

/** A message to a rep or manager. */
function internalMail(greetName: string | undefined, subject: string, blocks: Block[]): TemplateParts {
  return { subject, blocks: [greetName ? `Hi ${greetName},` : 'Hi,', ...blocks, '— dealflow'] };
}

function openDeal(k: TemplateKit): Block[] {
  const url = k.v('leadUrl');
  return url ? [{ button: { href: url, label: 'Open the deal' } }] : [];
}

function leadLine(c: TemplateContext): Inline[] {
  const who = c.lead.name ? `${c.lead.name} <${c.lead.email}>` : c.lead.email;
  return ['Lead: ', { text: who, strong: true }, c.lead.company ? `, ${c.lead.company}` : ''];
}

export const en: LocaleBundle = {
  locale: 'en',
  dir: 'ltr',
  intlDate: 'en-US',
  intlNumber: 'en-US',
  units: {
    ms: (n, count) => `${n} millisecond${count === 1 ? '' : 's'}`,
    s: (n, count) => `${n} second${count === 1 ? '' : 's'}`,
    m: (n, count) => `${n} minute${count === 1 ? '' : 's'}`,
    h: (n, count) => `${n} hour${count === 1 ? '' : 's'}`,
    d: (n, count) => `${n} day${count === 1 ? '' : 's'}`,
    w: (n, count) => `${n} week${count === 1 ? '' : 's'}`,
  },
  stages: {
    prospecting: 'Prospecting',
    preparation: 'Preparation',
    approach: 'Approach',
    presentation: 'Presentation',
    objections: 'Objections',
    closing: 'Closing',
    follow_up: 'Follow-up',
  },
  bullet: '-',
  fontFamily: "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",

  footer(c) {
    if (!c.unsubscribeUrl) return ['Sent by dealflow, your sales pipeline.'];
    return [
      `You receive this email because ${c.owner.name} from our sales team is in touch with ${c.lead.company ?? 'you'}.`,
      ["Don't want these emails? ", { text: 'Unsubscribe', href: c.unsubscribeUrl }, ' with one click.'],
    ];
  },

  templates: {
    approach_intro: (c, k) =>
      leadMail(
        c,
        c.lead.company
          ? `${c.lead.company}: a quick idea from ${c.owner.name}`
          : `A quick introduction from ${c.owner.name}`,
        [
          `I'm ${c.owner.name}. We help teams like ${yourTeam(c)} move deals forward without the busywork: follow-ups, reminders and hand-offs run on their own.`,
          `Would a ${k.number(15)}-minute call next week be useful? Just reply with a time that suits you.`,
        ],
      ),

    approach_followup_1: (c) =>
      leadMail(c, c.lead.company ? `Following up: ${c.lead.company}` : 'Following up on my last note', [
        `I wanted to bring my last email back to the top of your inbox. If this is a priority for ${c.lead.company ?? 'you'}, I'd be glad to walk you through the details in a short call.`,
        'Which day this week works best for you?',
      ]),

    approach_followup_2: (c, k) =>
      leadMail(c, `An idea for ${yourTeam(c)}`, [
        'Teams that automate their follow-ups usually hear back sooner and let fewer deals slip through the cracks. I put together a short overview of how that works in practice.',
        `If it helps, I can send it over or walk you through it in ${k.number(15)} minutes.`,
      ]),

    approach_breakup: (c) =>
      leadMail(c, 'Should I close your file?', [
        "I haven't heard back, so I'll assume the timing isn't right and stop following up.",
        "If anything changes, simply reply to this email and I'll be glad to pick it up.",
      ]),

    presentation_reminder: (c, k) => {
      const at = k.v('meetingAt');
      return leadMail(c, at ? `Reminder: our demo on ${k.date(at)}` : 'Reminder: our demo', [
        at ? `A quick reminder of our demo on ${k.dateTime(at)}.` : 'A quick reminder of the demo we talked about.',
        { button: { href: k.v('meetingUrl'), label: 'Join the call' } },
        "If the time no longer works for you, reply and we'll find another one.",
      ]);
    },

    objection_content_price: (c) =>
      leadMail(c, 'Thinking about the cost', [
        'Budget matters, so here is how our customers usually look at it: the hours reps get back from manual follow-ups, and the deals that no longer stall, typically cover the subscription within the first quarter.',
        `I'm happy to run those numbers with you for ${c.lead.company ?? 'your team'}.`,
      ]),

    objection_content_timing: (c) =>
      leadMail(c, 'When the timing is right', [
        'I understand this may not be the best moment. Getting started takes less than a week, and we can plan the switch around your calendar so nothing important is disrupted.',
        'Shall we pencil in a date that suits you?',
      ]),

    objection_content_competitor: (c) =>
      leadMail(c, 'How we compare', [
        'It is wise to compare options. Where customers tell us we differ: every lead runs as a durable workflow, so no follow-up is ever lost or sent twice, and managers see stalled deals before they go cold.',
        `I'd be glad to put together an honest side-by-side comparison for ${c.lead.company ?? 'you'}.`,
      ]),

    objection_content_other: (c, k) =>
      leadMail(c, 'Following up on your questions', [
        "Thank you for sharing your concerns. I've noted them and would like to answer each one properly rather than in a rushed email.",
        `Could we take ${k.number(20)} minutes this week to go through them together?`,
      ]),

    proposal: (c, k) => {
      const amount = k.n('amount');
      const expires = c.expiresAt ?? k.v('expiresAt');
      return leadMail(c, `Our proposal for ${c.lead.company ?? c.lead.name ?? 'you'}`, [
        'As promised, here is our proposal.',
        ...(amount !== undefined ? [`The total comes to ${k.money(amount, k.v('currency'))}.`] : []),
        ...(k.date(expires) ? [`It is valid until ${k.date(expires)}.`] : []),
        { button: { href: k.v('proposalUrl'), label: 'View the proposal' } },
        'Reply with any question; I am glad to adjust it to what you need.',
      ]);
    },

    proposal_reminder: (c, k) => {
      const expires = k.date(c.expiresAt ?? k.v('expiresAt'));
      return leadMail(c, expires ? `Reminder: our proposal is valid until ${expires}` : 'Reminder: our proposal', [
        expires
          ? `A friendly reminder that our proposal${c.lead.company ? ` for ${c.lead.company}` : ''} expires on ${expires}.`
          : `A friendly reminder of our proposal${c.lead.company ? ` for ${c.lead.company}` : ''}.`,
        { button: { href: k.v('proposalUrl'), label: 'View the proposal' } },
        'If you need more time or any changes, just let me know.',
      ]);
    },

    thank_you: (c) =>
      leadMail(c, `Thank you${c.lead.company ? `, ${c.lead.company}` : ''}!`, [
        `Thank you for choosing us. We're glad to have ${c.lead.company ?? 'you'} on board.`,
        "I'll stay your point of contact: reply any time you need something.",
      ]),

    survey: (c, k) =>
      leadMail(c, 'How likely are you to recommend us?', [
        `On a scale from ${k.number(0)} to ${k.number(10)}, how likely are you to recommend us to a friend or colleague?`,
        { button: { href: c.surveyUrl, label: 'Answer the one-question survey' } },
        'It takes less than a minute, and we read every answer.',
      ]),

    survey_reminder: (c) =>
      leadMail(c, 'A minute for one question?', [
        'A few days ago we asked how likely you are to recommend us. If you have a minute, your answer would help us a lot.',
        { button: { href: c.surveyUrl, label: 'Answer the survey' } },
      ]),

    referral_request: (c, k) => {
      const review = k.v('reviewUrl');
      return leadMail(c, 'Glad you enjoy working with us: a small favour?', [
        'Thank you for the great score! If you know someone who would benefit from working with us, an introduction would mean a lot.',
        { button: { href: k.v('referralUrl'), label: 'Recommend us' } },
        "Or simply reply with their name and I'll take it from there.",
        ...(review
          ? [
              [
                'A short public review also helps others find us: ',
                { text: 'write a review', href: review },
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
        idle ? `Stalled: ${label} has had no activity for ${idle}` : `Stalled: ${label} needs attention`,
        [
          `The deal with ${label} has been${stage ? ` in ${stage}` : ''}${idle ? ` for ${idle}` : ''} without any activity.`,
          leadLine(c),
          'Log a call, email or meeting, or move the deal, to keep it on track.',
          ...openDeal(k),
        ],
      );
    },

    escalation_manager: (c, k) => {
      const label = k.leadLabel();
      const idle = k.duration(k.v('stalledFor'));
      const stage = k.stage(k.v('stage'));
      return internalMail(k.v('managerName'), `Escalation: ${label} (${c.owner.name}) is at risk`, [
        `The deal with ${label}, owned by ${c.owner.name}, has been${stage ? ` in ${stage}` : ''}${idle ? ` for ${idle}` : ''} without activity and is now flagged at risk.`,
        leadLine(c),
        'Please check in with the owner, or reassign the deal.',
        ...openDeal(k),
      ]);
    },

    task_digest: (c, k) => {
      const tasks = c.tasks ?? [];
      const count = k.n('taskCount') ?? tasks.length;
      const day = k.date(k.v('digestDate'));
      return internalMail(c.owner.name, `Your tasks${day ? ` for ${day}` : ''}: ${k.number(count)} open`, [
        count === 0
          ? 'You have no open tasks. Nice work!'
          : `You have ${k.number(count)} open task${count === 1 ? '' : 's'}:`,
        ...(tasks.length > 0
          ? [
              {
                list: tasks.map((t): Inline[] => [
                  { text: t.title, strong: true },
                  t.dueAt && k.dateTime(t.dueAt) ? `, due ${k.dateTime(t.dueAt)}` : '',
                  t.priority ? ` (${t.priority} priority)` : '',
                ]),
              },
            ]
          : []),
        { button: { href: k.v('inboxUrl'), label: 'Open your task inbox' } },
      ]);
    },
  },
};
