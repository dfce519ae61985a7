import { zonedFormat } from '../platform/calendar';
import { config } from '../platform/config';
import { html, type SafeHtml } from '../platform/html';
import type { RequestKind } from '../platform/table';

/*
 * What each email says, as plain text and escaped HTML: a request and its reminders, escalations,
 * digests, the cycle report, meeting invitations and HR's notices. Every value is escaped by the
 * `html` tag, and dates are written in the recipient's own time zone.
 */

/** What an email is for; the outbox, the demo and the bench count emails by `${step}.${purpose}`. */
export type EmailPurpose =
  | 'request'
  | 'reminder'
  | 'escalation'
  | 'report'
  | 'bounce'
  | 'invitation'
  | 'unreleased'
  | 'notice'
  | 'summary';
export type EmailKind = `${RequestKind | 'cycle' | 'plan'}.${EmailPurpose}` | 'digest' | 'workflow.failure';

/** A file sent with an email (the review meeting's .ics); content is the file's text. */
export type EmailAttachment = { fileName: string; contentType: string; content: string };

export type Email = { subject: string; html: string; text: string; attachments?: EmailAttachment[] };

const STEP_LABEL: Record<RequestKind, string> = {
  'self-assessment': 'self-assessment',
  'peer-feedback': 'peer feedback',
  'manager-appraisal': 'manager appraisal',
  'action-item': 'action item',
  'goal-setting': 'goal setting',
  'goal-approval': 'goal approval',
  'review-meeting': 'review meeting record',
  acknowledgment: 'review acknowledgment',
  'peer-nomination': 'peer nomination',
  'peer-approval': 'peer nomination approval',
  'item-decision': 'decision on a development action',
  'check-in': 'development check-in',
  session: 'session confirmation',
  'plan-agreement': 'agreement to a development plan',
  'plan-summary': 'development plan summary',
  feedback: 'feedback',
  praise: 'praise',
};

const LOCAL_DATE: Intl.DateTimeFormatOptions = {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
};

/** A date as the recipient reads it, in their own time zone. */
export const localDate = (iso: string, timeZone: string): string =>
  zonedFormat('en-GB', LOCAL_DATE, timeZone).format(new Date(iso));

/** The app's home, where whoever has an account sees everything the emails ask about, in one place. */
const appUrl = (): string => `${config.publicBaseUrl}/`;

const layout = (title: string, body: SafeHtml): string =>
  html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:36rem;margin:auto;color:#1a1a1a">
${body}
<p style="color:#666;font-size:0.85em">growcycle: feedback and development that help people grow.
Your reviews, goals, plan and feedback are in the app: <a href="${appUrl()}" style="color:#0b5540">${appUrl()}</a></p>
</body></html>`.value;

/** The text part's footer, the same as the HTML part's. */
const withFooter = (text: string): string =>
  `${text}\n--\ngrowcycle: feedback and development that help people grow.\nYour reviews, goals, plan and feedback are in the app: ${appUrl()}\n`;

const button = (url: string, label: string): SafeHtml =>
  html`<p><a href="${url}" style="background:#0b6e4f;color:#fff;padding:0.6em 1.2em;border-radius:4px;text-decoration:none">${label}</a></p>
<p style="font-size:0.85em">Or open this address: ${url}</p>`;

export type RequestEmailInput = {
  kind: RequestKind;
  recipientName: string;
  subjectName: string;
  cycleName?: string | undefined;
  title?: string | undefined;
  dueAt: string;
  timeZone: string;
  url: string;
  /** Goal setting after a return: the manager's comment. */
  note?: string | undefined;
  /** Review meeting: when it takes place. */
  meetingAt?: string | undefined;
  /** Lines of context under the lead (a plan item's definition of done, the reason it is blocked). */
  details?: string[] | undefined;
  /** One link per answer, each opening the form with that answer chosen (a plan item: done, blocked, new date). */
  choices?: Array<{ label: string; url: string }> | undefined;
};

/** The email's links: one per answer where the request offers several, else the form's own. */
const links = (input: RequestEmailInput, action: string): { html: SafeHtml; text: string } => {
  if (!input.choices?.length) return { html: button(input.url, action), text: `${action}: ${input.url}` };
  return {
    html: html`<p>${input.choices.map(
      (c) =>
        html`<a href="${c.url}" style="background:#0b6e4f;color:#fff;padding:0.6em 1.2em;border-radius:4px;text-decoration:none;margin-right:0.5em">${c.label}</a> `,
    )}</p>`,
    text: input.choices.map((c) => `${c.label}: ${c.url}`).join('\n'),
  };
};

const detailLines = (input: RequestEmailInput) => ({
  html: input.details?.length ? html`<ul>${input.details.map((d) => html`<li>${d}</li>`)}</ul>` : html``,
  text: input.details?.length ? `${input.details.map((d) => `- ${d}`).join('\n')}\n` : '',
});

const ask = (input: RequestEmailInput): { subject: string; lead: string; action: string } => {
  switch (input.kind) {
    case 'self-assessment':
      return {
        subject: `Your self-assessment for ${input.cycleName ?? 'this cycle'}`,
        lead: 'Take a moment to look back: what went well, what you learned, and where you want to grow next.',
        action: 'Write my self-assessment',
      };
    case 'peer-feedback':
      return {
        subject: `${input.subjectName} would value your feedback`,
        lead: `${input.subjectName} is in ${input.cycleName ?? 'a review'}. Your answers are shown to them only combined with other peers' answers, never with your name; the form says who else sees them.`,
        action: 'Give feedback',
      };
    case 'manager-appraisal':
      return {
        subject: `Appraisal of ${input.subjectName} for ${input.cycleName ?? 'this cycle'}`,
        lead: `${input.subjectName}'s self-assessment and peer feedback are in. Your appraisal and the development needs you see come next.`,
        action: `Appraise ${input.subjectName}`,
      };
    case 'goal-setting':
      return {
        subject: `Set your goals for ${input.cycleName ?? 'this cycle'}`,
        lead: input.note
          ? `Your manager returned your draft goals with this comment: “${input.note}”. Adjust them and submit them again.`
          : 'Draft the goals you want to reach this cycle: a title, how progress is measured, a weight and a due date. Your manager approves them next.',
        action: 'Draft my goals',
      };
    case 'goal-approval':
      return {
        subject: `Approve ${input.subjectName}'s goals for ${input.cycleName ?? 'this cycle'}`,
        lead: `${input.subjectName} has drafted their goals. Approve them, or return them with a comment.`,
        action: 'Review the goals',
      };
    case 'review-meeting':
      return {
        subject: `Review meeting with ${input.subjectName}`,
        lead: `Your review meeting with ${input.subjectName} is on ${input.meetingAt ? localDate(input.meetingAt, input.timeZone) : 'the meeting day'}; the calendar invitation is attached. Once it has taken place, record it as held.`,
        action: 'Record the meeting as held',
      };
    case 'acknowledgment':
      return {
        subject: `Your review for ${input.cycleName ?? 'this cycle'} is ready`,
        lead: 'Your review results have been released to you. Read them and acknowledge them; if you disagree, you can say so and HR will see it.',
        action: 'Read and acknowledge my review',
      };
    case 'action-item':
      return {
        subject: `Development action: ${input.title ?? 'action item'}`,
        lead: `Your development plan has an action due: “${input.title ?? ''}”. One click tells us where it stands: done, blocked, or in need of a new date.`,
        action: 'Answer',
      };
    case 'item-decision':
      return {
        subject: `${input.subjectName} needs your decision: ${input.title ?? 'a development action'}`,
        lead: input.note
          ? `${input.subjectName}'s development action “${input.title ?? ''}” needs you: ${input.note}. Unblock it, give it a new date, or drop it.`
          : `${input.subjectName}'s development action “${input.title ?? ''}” needs your decision. Unblock it, give it a new date, or drop it.`,
        action: 'Decide',
      };
    case 'check-in':
      return {
        subject: 'Check-in on your development plan',
        lead: 'A few minutes on how your development actions and goals are going: a line on each is plenty. Your manager sees your update.',
        action: 'Give my update',
      };
    case 'session':
      return {
        subject: `Was your session with ${input.subjectName} held?`,
        lead: `You support ${input.subjectName} on “${input.title ?? 'their development plan'}”. Tell us whether this period’s session was held, with a note ${input.subjectName} will see.`,
        action: 'Confirm the session',
      };
    case 'peer-nomination':
      return input.recipientName === input.subjectName
        ? {
            subject: `Who should give you feedback in ${input.cycleName ?? 'this cycle'}?`,
            lead: 'Choose the colleagues (and, if you like, up to two people outside the company) you would like peer feedback from.',
            action: 'Choose my reviewers',
          }
        : {
            subject: `Choose peer reviewers for ${input.subjectName}`,
            lead: `${input.subjectName} is in ${input.cycleName ?? 'a review'}. Choose the colleagues (and, if useful, up to two people outside the company) who should give them feedback.`,
            action: 'Choose reviewers',
          };
    case 'plan-agreement':
      return input.recipientName === input.subjectName
        ? {
            subject: 'Agree your draft development plan',
            lead: 'A development plan has been drafted for you. Read it, change what should change (add, remove or reword an item, its kind, due date, definition of done or mentor) and tick “I agree”. It starts once you and your manager agree to the same version.',
            action: 'Open the draft plan',
          }
        : {
            subject: `Agree ${input.subjectName}'s draft development plan`,
            lead: `A development plan has been drafted for ${input.subjectName}. Read it, change what should change (add, remove or reword an item, its kind, due date, definition of done or mentor) and tick “I agree”. It starts once you and ${input.subjectName} agree to the same version.`,
            action: 'Open the draft plan',
          };
    case 'plan-summary':
      // Stored answered: only its notice is ever sent. Worded all the same, should it be asked.
      return {
        subject: `The development plan of ${input.subjectName} has ended`,
        lead: 'What was done, on time or late, and what was not, is on the plan.',
        action: 'See the plan',
      };
    case 'feedback':
      return {
        subject: `Your feedback on ${input.subjectName}, please`,
        lead: `You are asked for feedback about ${input.subjectName}: a few honest lines on what you have seen.`,
        action: 'Give feedback',
      };
    case 'praise':
      // Stored answered: only its notice is ever sent. Worded all the same, should it be asked.
      return {
        subject: `Praise for ${input.subjectName}`,
        lead: 'Someone praised your work.',
        action: 'Read it',
      };
    case 'peer-approval':
      return {
        subject: `Approve ${input.subjectName}'s peer reviewers`,
        lead: `${input.subjectName} has nominated the people they would like feedback from. Approve the list as it is, or change it.`,
        action: 'Review the nominations',
      };
  }
};

export const requestEmail = (input: RequestEmailInput, reminder: boolean): Email => {
  const { subject, lead, action } = ask(input);
  const due = localDate(input.dueAt, input.timeZone);
  const fullSubject = reminder ? `Reminder: ${subject}` : subject;
  const body = html`<p>Hello ${input.recipientName},</p>
${reminder ? html`<p><strong>A friendly reminder: this is due ${due}.</strong></p>` : ''}
<p>${lead}</p>
${detailLines(input).html}
<p>Due: ${due}</p>
${links(input, action).html}`;
  return {
    subject: fullSubject,
    html: layout(fullSubject, body),
    text: withFooter(
      `Hello ${input.recipientName},\n\n${reminder ? `Reminder: due ${due}.\n\n` : ''}${lead}\n\n${detailLines(input).text}Due: ${due}\n\n${links(input, action).text}\n`,
    ),
  };
};

export type EscalationEmailInput = {
  kind: RequestKind;
  escalateeName: string;
  role: string;
  ownerName: string;
  subjectName: string;
  title?: string | undefined;
  dueAt: string;
  timeZone: string;
};

const overdue = (input: EscalationEmailInput) => {
  const what =
    input.kind === 'action-item'
      ? `${input.ownerName}'s development action “${input.title ?? ''}”`
      : input.kind === 'item-decision'
        ? `${input.ownerName}'s decision on ${input.subjectName}'s development action “${input.title ?? ''}”`
        : input.kind === 'plan-agreement'
          ? `${input.ownerName}'s agreement to ${input.ownerName === input.subjectName ? 'their' : `${input.subjectName}'s`} draft development plan`
          : input.kind === 'self-assessment' ||
              input.kind === 'goal-setting' ||
              input.kind === 'acknowledgment'
            ? `${input.ownerName}'s ${STEP_LABEL[input.kind]}`
            : `the ${STEP_LABEL[input.kind]} of ${input.subjectName} by ${input.ownerName}`;
  return { subject: `Overdue: ${what}`, what, due: localDate(input.dueAt, input.timeZone) };
};

export const escalationEmail = (input: EscalationEmailInput): Email => {
  const { subject, what, due } = overdue(input);
  const body = html`<p>Hello ${input.escalateeName},</p>
<p>${what} was due ${due} and is still open. You are told as ${input.role} so you can help unblock it: a short check-in usually does it.</p>`;
  return {
    subject,
    html: layout(subject, body),
    text: withFooter(
      `Hello ${input.escalateeName},\n\n${what} was due ${due} and is still open. You are told as ${input.role} so you can help unblock it.\n`,
    ),
  };
};

/** One thing a digest lists: a request (or its reminder) with its link, or an escalation. */
export type DigestEmailItem = { kind: string } & (
  | { request: RequestEmailInput; reminder: boolean }
  | { escalation: EscalationEmailInput }
  | { notice: { subject: string; lines: string[] } }
);

const dueOf = (item: DigestEmailItem) =>
  'request' in item
    ? Date.parse(item.request.dueAt)
    : 'escalation' in item
      ? Date.parse(item.escalation.dueAt)
      : 0;

/** Requests first (soonest due first), then notices, then what is overdue in the team. */
const rank = (item: DigestEmailItem) => ('escalation' in item ? 2 : 'notice' in item ? 1 : 0);

/**
 * Everything one person is owed at one send time, as one email: each request with its own link and
 * due date (soonest first), then what is overdue in their team. Same words as the single emails.
 * `kinds` lists the items in the order the email shows them (the mailer names them in a header).
 */
export const digestEmail = (
  recipientName: string,
  items: DigestEmailItem[],
): { email: Email; kinds: string[] } => {
  const sorted = [...items].sort((a, b) => rank(a) - rank(b) || dueOf(a) - dueOf(b));
  const parts = sorted.map((item) => {
    if ('notice' in item) {
      const { subject, lines } = item.notice;
      return {
        subject,
        html: html`<h2 style="font-size:1.05em">${subject}</h2>${lines.map((l) => html`<p>${l}</p>`)}`,
        text: `${subject}\n${lines.join('\n')}`,
      };
    }
    if ('escalation' in item) {
      const { subject, what, due } = overdue(item.escalation);
      const line = `${what} was due ${due} and is still open (you are told as ${item.escalation.role}).`;
      return {
        subject,
        html: html`<h2 style="font-size:1.05em">${subject}</h2><p>${line}</p>`,
        text: `${subject}\n${line}`,
      };
    }
    const { subject, lead, action } = ask(item.request);
    const due = localDate(item.request.dueAt, item.request.timeZone);
    const title = item.reminder ? `Reminder: ${subject}` : subject;
    return {
      subject: title,
      html: html`<h2 style="font-size:1.05em">${title}</h2><p>${lead}</p>${detailLines(item.request).html}<p>Due: ${due}</p>${links(item.request, action).html}`,
      text: `${title}\n${lead}\n${detailLines(item.request).text}Due: ${due}\n${links(item.request, action).text}`,
    };
  });
  const first = parts[0]?.subject ?? 'growcycle';
  const subject = parts.length > 1 ? `${first}, and ${parts.length - 1} more` : first;
  const intro = `Here ${parts.length === 1 ? 'is what is' : `are the ${parts.length} things`} waiting for you, soonest due first.`;
  const body = html`<p>Hello ${recipientName},</p>
<p>${intro}</p>
${parts.map((p) => p.html)}`;
  return {
    email: {
      subject,
      html: layout(subject, body),
      text: withFooter(`Hello ${recipientName},\n\n${intro}\n\n${parts.map((p) => p.text).join('\n\n')}\n`),
    },
    kinds: sorted.map((item) => item.kind),
  };
};

export type CycleReportEmailInput = {
  cycleName: string;
  participants: number;
  completed: number;
  incomplete: number;
  inProgress: number;
};

export const cycleReportEmail = (report: CycleReportEmailInput): Email => {
  const subject = `Cycle closed: ${report.cycleName}`;
  const body = html`<p>The cycle “${report.cycleName}” has closed.</p>
<table><tbody>
<tr><th align="left">Participants</th><td>${report.participants}</td></tr>
<tr><th align="left">Reviews completed</th><td>${report.completed}</td></tr>
<tr><th align="left">Reviews incomplete</th><td>${report.incomplete}</td></tr>
<tr><th align="left">Still in progress</th><td>${report.inProgress}</td></tr>
</tbody></table>`;
  return {
    subject,
    html: layout(subject, body),
    text: withFooter(
      `The cycle "${report.cycleName}" has closed.\nParticipants: ${report.participants}\nCompleted: ${report.completed}\nIncomplete: ${report.incomplete}\nIn progress: ${report.inProgress}\n`,
    ),
  };
};

export type MeetingInvitationInput = {
  recipientName: string;
  otherName: string;
  cycleName?: string | undefined;
  meetingAt: string;
  timeZone: string;
  ics: string;
};

/** The review meeting's invitation to the employee: the date in their zone and the .ics. */
export const meetingInvitationEmail = (input: MeetingInvitationInput): Email => {
  const subject = `Review meeting with ${input.otherName}`;
  const when = localDate(input.meetingAt, input.timeZone);
  const lead = `Your review meeting for ${input.cycleName ?? 'this cycle'} with ${input.otherName} is on ${when}. The calendar invitation is attached.`;
  return {
    subject,
    html: layout(subject, html`<p>Hello ${input.recipientName},</p><p>${lead}</p>`),
    text: withFooter(`Hello ${input.recipientName},\n\n${lead}\n`),
    attachments: [
      { fileName: 'review-meeting.ics', contentType: 'text/calendar; method=REQUEST', content: input.ics },
    ],
  };
};

/** HR hears of a review whose results were still not released when the employee's acknowledgment was due. */
export const unreleasedEmail = (input: { employeeName: string; cycleName: string; dueAt: string }): Email => {
  const subject = `Results not released: ${input.employeeName}`;
  const due = localDate(input.dueAt, 'UTC');
  const lead = `The review results of ${input.employeeName} in “${input.cycleName}” have not been released, and their acknowledgment was due ${due}. Release them (HR or their manager) so they can acknowledge them.`;
  return { subject, html: layout(subject, html`<p>${lead}</p>`), text: withFooter(`${lead}\n`) };
};

/** HR hears of goals returned as often as a review allows, still not approved. */
export const goalRoundsEmail = (input: {
  employeeName: string;
  cycleName: string;
  rounds: number;
}): Email => {
  const subject = `Goals not agreed: ${input.employeeName}`;
  const lead = `The goals of ${input.employeeName} in “${input.cycleName}” were returned ${input.rounds} times and are still not approved. The review goes on without approved goals; a conversation may help.`;
  return { subject, html: layout(subject, html`<p>${lead}</p>`), text: withFooter(`${lead}\n`) };
};

export type BounceEmailInput = {
  kind: RequestKind;
  requestId: string;
  reviewerId: string;
  subjectId: string;
  cycleName?: string | undefined;
  problem: 'bounce' | 'complaint';
  /** The HR API's base URL, for the pointer to the reassign route. */
  apiBaseUrl: string;
};

/** Tells HR a reviewer cannot be reached, naming ids only (the address itself stays out of the mail). */
export const bounceEmail = (input: BounceEmailInput): Email => {
  const step = STEP_LABEL[input.kind];
  const what = input.problem === 'bounce' ? 'bounced' : 'was marked as spam by its recipient';
  const subject = `Undeliverable: ${step} request ${input.requestId}`;
  const route = `POST ${input.apiBaseUrl}/requests/${encodeURIComponent(input.requestId)}/reassign`;
  const cli = `growcycle reassign ${input.requestId} --to EMPLOYEE_ID --reason TEXT`;
  const body = html`<p>Hello HR team,</p>
<p>The ${step} request <code>${input.requestId}</code> to reviewer <code>${input.reviewerId}</code> (about <code>${input.subjectId}</code>${input.cycleName ? html`, in ${input.cycleName}` : ''}) ${what}. Their address is flagged; the request stays open and its workflow keeps waiting.</p>
<p>To pass it to someone else: <code>${route}</code> with <code>{"recipientId": "...", "reason": "..."}</code>, or <code>${cli}</code>.</p>`;
  return {
    subject,
    html: layout(subject, body),
    text: withFooter(
      `Hello HR team,\n\nThe ${step} request ${input.requestId} to reviewer ${input.reviewerId} (about ${input.subjectId}${input.cycleName ? `, in ${input.cycleName}` : ''}) ${what}. Their address is flagged; the request stays open and its workflow keeps waiting.\n\nTo pass it to someone else: ${route} with {"recipientId": "...", "reason": "..."}, or ${cli}\n`,
    ),
  };
};

/** A short notice: a few paragraphs, no link (HR told of a blocked item, a plan's summary). */
export const noticeEmail = (input: { recipientName?: string; subject: string; lines: string[] }): Email => {
  const greeting = input.recipientName ? [`Hello ${input.recipientName},`] : [];
  const paragraphs = [...greeting, ...input.lines];
  return {
    subject: input.subject,
    html: layout(input.subject, html`${paragraphs.map((p) => html`<p>${p}</p>`)}`),
    text: withFooter(`${paragraphs.join('\n\n')}\n`),
  };
};

export type DraftChangedEmailInput = {
  recipientName: string;
  editorName: string;
  /** Whose plan: the recipient's own, or the report's they agree to as manager. */
  ownerName: string;
  ownPlan: boolean;
  revision: number;
  /** What changed, a line each ("Added “…”", "“…”: now due …"). */
  changes: string[];
  dueAt: string;
  timeZone: string;
  url: string;
};

/**
 * A draft development plan was changed by the other party: what changed, that an earlier agreement
 * no longer counts, and the recipient's own link to the draft.
 */
export const draftChangedEmail = (input: DraftChangedEmailInput): Email => {
  const subject = `${input.editorName} changed the draft plan`;
  const whose = input.ownPlan ? 'your draft development plan' : `${input.ownerName}'s draft development plan`;
  const lead = `${input.editorName} changed ${whose} (version ${input.revision}). The plan starts once you both agree to the same version, so look at the changes and agree to them, or change it yourself.`;
  const due = localDate(input.dueAt, input.timeZone);
  const body = html`<p>Hello ${input.recipientName},</p>
<p>${lead}</p>
${input.changes.length ? html`<ul>${input.changes.map((c) => html`<li>${c}</li>`)}</ul>` : ''}
<p>Due: ${due}</p>
${button(input.url, 'Open the draft plan')}`;
  return {
    subject,
    html: layout(subject, body),
    text: withFooter(
      `Hello ${input.recipientName},\n\n${lead}\n\n${input.changes.map((c) => `- ${c}\n`).join('')}\nDue: ${due}\n\nOpen the draft plan: ${input.url}\n`,
    ),
  };
};
