import type { PlanPolicy, Template } from '../../../domain/catalog/documents';
import {
  digestEmail,
  type Email,
  type EscalationEmailInput,
  escalationEmail,
  type RequestEmailInput,
  requestEmail,
} from '../../../domain/mail/compose';
import { ESCALATION_ROLE } from '../../../domain/plans/items';
import { ACTION_ITEM_CHOICES, ITEM_DECISION_CHOICES } from '../../../domain/plans/step-kinds';
import type { RequestKind } from '../../../domain/platform/table';

/*
 * The emails a cycle template or a plan policy sends, written by the same composition the workflows
 * use (domain/mail/compose.ts) for made-up people and dates: what HR reads before a cycle or a plan
 * starts. Nothing here reads the table or sends anything.
 */

export type EmailPreview = {
  /** The part of the process it belongs to ("Self-assessment"). */
  group: string;
  /** What it is and to whom ("Invitation, to the employee"). */
  label: string;
  /** When it goes out, in the document's own terms. */
  when: string;
  email: Email;
};

/** The made-up people and dates every preview is written for. */
export const SAMPLE = {
  employee: 'Alex Example',
  manager: 'Morgan Manager',
  skipLevel: 'Robin Director',
  peer: 'Pat Peer',
  hr: 'HR',
  cycleName: 'Annual review 2027 (sample)',
  dueAt: '2027-03-15T16:00:00.000Z',
  meetingAt: '2027-03-22T09:00:00.000Z',
  timeZone: 'Europe/Oslo',
  url: 'https://growcycle.example/r/sample-request?e=0&s=sample',
} as const;

const daysList = (days: readonly number[]) =>
  days.length
    ? `${days
        .slice()
        .sort((a, b) => b - a)
        .map((d) => (d === 0 ? 'on the due day' : `${d} day${d === 1 ? '' : 's'} before`))
        .join(', ')}`
    : 'never';

const request = (
  kind: RequestKind,
  recipientName: string,
  subjectName: string,
  extra: Partial<RequestEmailInput> = {},
): RequestEmailInput => ({
  kind,
  recipientName,
  subjectName,
  cycleName: SAMPLE.cycleName,
  dueAt: SAMPLE.dueAt,
  timeZone: SAMPLE.timeZone,
  url: SAMPLE.url,
  ...extra,
});

const escalation = (input: RequestEmailInput, escalateeName: string, role: string): EscalationEmailInput => ({
  kind: input.kind,
  escalateeName,
  role,
  ownerName: input.recipientName,
  subjectName: input.subjectName,
  title: input.title,
  dueAt: input.dueAt,
  timeZone: input.timeZone,
});

type Step = {
  group: string;
  input: RequestEmailInput;
  recipient: string;
  dueDays: number;
  managerStep: boolean;
};

/** A cycle template's steps that write to people, in the order of its phases. */
const templateSteps = (t: Template): Step[] => {
  const { phases: p } = t;
  const employee = (
    group: string,
    kind: RequestKind,
    dueDays: number,
    extra: Partial<RequestEmailInput> = {},
  ): Step => ({
    group,
    input: request(kind, SAMPLE.employee, SAMPLE.employee, extra),
    recipient: 'the employee',
    dueDays,
    managerStep: false,
  });
  const steps: Step[] = [];
  if (p.goalSetting?.enabled) steps.push(employee('Goal setting', 'goal-setting', p.goalSetting.dueDays));
  if (p.selfAssessment.enabled)
    steps.push(employee('Self-assessment', 'self-assessment', p.selfAssessment.dueDays));
  if (p.peerFeedback.enabled) {
    const byManager = p.peerFeedback.nominatedBy === 'manager';
    steps.push({
      group: 'Peer nominations',
      input: request('peer-nomination', byManager ? SAMPLE.manager : SAMPLE.employee, SAMPLE.employee),
      recipient: byManager ? 'the manager' : 'the employee',
      dueDays: p.peerFeedback.dueDays,
      managerStep: byManager,
    });
    steps.push({
      group: 'Peer feedback',
      input: request('peer-feedback', SAMPLE.peer, SAMPLE.employee),
      recipient: 'each nominated peer',
      dueDays: p.peerFeedback.dueDays,
      managerStep: false,
    });
  }
  if (p.managerAppraisal.enabled)
    steps.push({
      group: 'Manager appraisal',
      input: request('manager-appraisal', SAMPLE.manager, SAMPLE.employee),
      recipient: 'the manager',
      dueDays: p.managerAppraisal.dueDays,
      managerStep: true,
    });
  if (p.reviewMeeting?.enabled)
    steps.push({
      group: 'Review meeting',
      input: request('review-meeting', SAMPLE.manager, SAMPLE.employee, { meetingAt: SAMPLE.meetingAt }),
      recipient: 'the manager',
      dueDays: p.reviewMeeting.dueDays,
      managerStep: true,
    });
  if (p.acknowledgment.enabled)
    steps.push(employee('Acknowledgment', 'acknowledgment', p.acknowledgment.dueDays));
  return steps;
};

/** Every email a cycle made from the template sends, for a made-up employee, manager and peer. */
export const templateEmails = (t: Template): EmailPreview[] => {
  const e = t.escalation;
  const reminders = daysList(t.reminders.daysBefore);
  const previews = templateSteps(t).flatMap((step): EmailPreview[] => {
    const ladder = step.managerStep
      ? [
          { name: SAMPLE.skipLevel, role: 'skip-level manager', days: e.managerAfterDays },
          { name: SAMPLE.hr, role: 'HR', days: e.hrAfterDays },
        ]
      : [
          { name: SAMPLE.manager, role: 'their manager', days: e.managerAfterDays },
          { name: SAMPLE.skipLevel, role: 'skip-level manager', days: e.skipLevelAfterDays },
          { name: SAMPLE.hr, role: 'HR', days: e.hrAfterDays },
        ];
    return [
      {
        group: step.group,
        label: `Invitation, to ${step.recipient}`,
        when: `when the phase opens; due on day ${step.dueDays} of the cycle`,
        email: requestEmail(step.input, false),
      },
      {
        group: step.group,
        label: `Reminder, to ${step.recipient}`,
        when: `while it is open: ${reminders}`,
        email: requestEmail(step.input, true),
      },
      ...ladder.map((l) => ({
        group: step.group,
        label: `Escalation, to ${l.role === 'their manager' ? 'the manager' : l.role}`,
        when: `${l.days} day${l.days === 1 ? '' : 's'} after the due date, if still open`,
        email: escalationEmail(escalation(step.input, l.name, l.role)),
      })),
    ];
  });
  const [first, second] = templateSteps(t);
  if (first) {
    const items = [
      { kind: `${first.input.kind}.request`, request: first.input, reminder: false },
      ...(second ? [{ kind: `${second.input.kind}.reminder`, request: second.input, reminder: true }] : []),
      {
        kind: `${first.input.kind}.escalation`,
        escalation: escalation(
          { ...first.input, recipientName: 'Jamie Report' },
          SAMPLE.employee,
          'their manager',
        ),
      },
    ];
    previews.push({
      group: 'Digest',
      label: 'Everything one person is owed at one send time, as one email',
      when: `at ${String(t.sendHour).padStart(2, '0')}:00 in the recipient's time zone, not on ${t.quietDays.join(', ') || 'any day'}`,
      email: digestEmail(SAMPLE.employee, items).email,
    });
  }
  return previews;
};

const TARGET_LABEL = {
  owner: 'the owner',
  manager: 'the manager',
  'skip-level': 'the skip-level manager',
  hr: 'HR',
} as const;

/** Every email a plan following the policy sends, for a made-up owner, manager and item. */
export const planPolicyEmails = (policy: PlanPolicy): EmailPreview[] => {
  const item = request('action-item', SAMPLE.employee, SAMPLE.employee, {
    title: 'Lead the next incident review',
    cycleName: undefined,
    details: ['Stretch assignment', 'Done when: the review is written up and shared with the team'],
    choices: ACTION_ITEM_CHOICES.map((c) => ({ label: c.label, url: `${SAMPLE.url}&choice=${c.choice}` })),
  });
  const decision = request('item-decision', SAMPLE.manager, SAMPLE.employee, {
    title: item.title,
    cycleName: undefined,
    details: [...(item.details ?? []), 'Blocked: the team has no incident this quarter'],
    choices: ITEM_DECISION_CHOICES.map((c) => ({ label: c.label, url: `${SAMPLE.url}&choice=${c.choice}` })),
  });
  const checkIn = request('check-in', SAMPLE.employee, SAMPLE.employee, { cycleName: undefined });
  const nameOf = {
    owner: SAMPLE.employee,
    manager: SAMPLE.manager,
    'skip-level': SAMPLE.skipLevel,
    hr: SAMPLE.hr,
  };
  const previews: EmailPreview[] = [
    {
      group: 'Action item',
      label: 'Reminder, to the owner',
      when: `before the item's due date: ${daysList(policy.reminders.daysBefore)}`,
      email: requestEmail(item, true),
    },
    ...policy.escalation.map((e) => ({
      group: 'Action item',
      label: `Escalation, to ${TARGET_LABEL[e.to]}`,
      when: `${e.afterDays} day${e.afterDays === 1 ? '' : 's'} after the due date, if still open`,
      email: escalationEmail(escalation(item, nameOf[e.to], ESCALATION_ROLE[e.to])),
    })),
    {
      group: 'Blocked item',
      label: 'Decision asked of the manager',
      when: `when the owner says the item is blocked; ${policy.blocked.decisionDays} days to decide${policy.blocked.tellHr ? ', and HR is told' : ''}`,
      email: requestEmail(decision, false),
    },
  ];
  if (policy.checkIns.everyDays > 0)
    previews.push(
      {
        group: 'Check-in',
        label: 'Check-in, to the owner',
        when: `every ${policy.checkIns.everyDays} days; ${policy.checkIns.answerDays} days to answer`,
        email: requestEmail(checkIn, false),
      },
      {
        group: 'Check-in',
        label: 'Reminder, to the owner',
        when: 'the day before the check-in is due',
        email: requestEmail(checkIn, true),
      },
    );
  previews.push({
    group: 'Digest',
    label: 'Everything one person is owed at one send time, as one email',
    when: `at ${String(policy.sendHour).padStart(2, '0')}:00 in the recipient's time zone, not on ${policy.quietDays.join(', ') || 'any day'}`,
    email: digestEmail(SAMPLE.employee, [
      { kind: 'action-item.reminder', request: item, reminder: true },
      ...(policy.checkIns.everyDays > 0
        ? [{ kind: 'check-in.request', request: checkIn, reminder: false }]
        : []),
    ]).email,
  });
  return previews;
};

/** The markup inside an email's body: composed by the escaping `html` tag, so no value in it is markup. */
export const emailBody = (email: Email): string => {
  const match = /<body[^>]*>([\s\S]*)<\/body>/i.exec(email.html);
  return match?.[1] ?? '';
};
