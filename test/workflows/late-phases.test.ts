import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogPath } from '../../cli/growcycle';
import {
  answer,
  type CapturedEmail,
  emailKind,
  fetchInboxItems,
  linkIn,
  submitForm,
} from '../../local/people';
import { sampleCatalog } from '../support/catalog';
import { monasTeam, OSLO_STAFF } from '../support/fixtures';
import { hrApi, runUntil, startTestStack, type TestStack } from '../support/local-stack';

/*
 * A phase that opens late gets its own days, on the synthesized review workflow with the simulated
 * clock. The sample template with goal setting due on day 3 and the self-assessment on day 7 (four
 * days of its own). Liv drafts her goals only when her skip-level hears of them (Monday 8 March,
 * day 7, the self-assessment's planned due date); her manager approves at once, so her
 * self-assessment opens that morning: it is due four days later, Friday 12 March, and its reminders
 * and escalations follow that date. Kim and Per set their goals on time and keep day 7.
 */

const START = new Date('2027-03-01T08:00:00Z'); // Monday
const DAY = 86_400_000;
const OSLO = 'Europe/Oslo';

const people = monasTeam(OSLO_STAFF, [
  { employeeId: 'liv', name: 'Liv Late' },
  { employeeId: 'kim', name: 'Kim Kind' },
  { employeeId: 'per', name: 'Per Peer' },
]);

let stack: TestStack;
let emails: CapturedEmail[] = [];
const to = (address: string) => emails.filter((e) => e.destination.to.includes(address));
const ofKind = (address: string, kind: string) => to(address).filter((e) => emailKind(e) === kind);
/** The local date and time of an email in Oslo, e.g. "Fri 12 Mar 09:14". */
const osloTime = (email: CapturedEmail | undefined) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: OSLO,
    weekday: 'short',
    day: '2-digit',
    month: 'short',
  }).format((email?.at ?? 0) * 1000);

beforeAll(async () => {
  stack = await startTestStack(new Date(START.getTime() - DAY));
  const hr = hrApi(stack);
  expect((await hr('PUT', '/employees', { employees: people })).status).toBe(200);
  const docs = sampleCatalog()
    .filter((d) => d.kind !== 'trigger')
    .map((d) =>
      d.kind === 'template'
        ? {
            ...d,
            id: 'goals-then-review',
            phases: {
              ...(d.phases as Record<string, unknown>),
              goalSetting: { dueDays: 3 },
              selfAssessment: { dueDays: 7 },
            },
          }
        : d,
    );
  for (const doc of docs) expect((await hr('PUT', catalogPath(doc.kind, doc.id), doc)).status).toBe(200);
  const scheduled = await hr('POST', '/cycles', {
    name: 'Spring review',
    templateId: 'goals-then-review',
    startAt: START.toISOString(),
    participants: ['liv', 'kim', 'per'],
  });
  expect(scheduled.status).toBe(201);
  const cycleId = String(scheduled.body.cycleId);

  const handled = new Set<string>();
  let livsGoals: string | undefined;
  let livsSelfReminders = 0;
  const act = async (email: CapturedEmail) => {
    const kind = emailKind(email);
    const link = linkIn(email);
    const recipient = email.destination.to[0] ?? '';
    if (kind === 'goal-setting.request' && recipient === 'liv@example.com') {
      livsGoals = link;
      return;
    }
    // Liv drafts her goals once her skip-level has heard of them.
    if (kind === 'goal-setting.escalation' && recipient === 'ceo@example.com' && livsGoals) {
      expect(await answer(livsGoals, 1)).toBe(200);
      return;
    }
    if (!link) return;
    if (kind === 'goal-approval.request') {
      expect(await submitForm(link, { decision: 'approve', comment: '' })).toBe(200);
      return;
    }
    if (recipient === 'liv@example.com' && kind.startsWith('self-assessment.')) {
      // Liv answers her self-assessment at its second reminder, the day before it is due.
      if (kind === 'self-assessment.reminder' && ++livsSelfReminders === 2)
        expect(await answer(link, 2)).toBe(200);
      return;
    }
    if (kind.endsWith('.request') && kind !== 'acknowledgment.request')
      expect(await answer(link, 3)).toBe(200);
  };
  const reviewsDone = () =>
    stack.sfn
      .list()
      .filter(
        (e) => e.stateMachineArn === stack.stateMachineArn('EmployeeReview') && e.input.includes(cycleId),
      )
      .every((e) => e.status !== 'RUNNING');
  await runUntil(
    stack,
    () => emails.some((e) => emailKind(e) === 'manager-appraisal.request') && reviewsDone(),
    async () => {
      emails = await fetchInboxItems(stack.urls.inbox);
      for (const email of emails) {
        if (handled.has(email.messageId)) continue;
        handled.add(email.messageId);
        await act(email);
      }
    },
  );
  emails = await fetchInboxItems(stack.urls.inbox);
}, 300_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('a phase that opens late gets its own days', () => {
  it('opens Liv’s self-assessment after her late goals, due four days later (Friday 12 March), not on day 7', () => {
    const asked = ofKind('liv@example.com', 'self-assessment.request');
    expect(asked).toHaveLength(1);
    // Her goals were approved on the morning of Monday 8 March, the day the self-assessment was planned to be due.
    expect(osloTime(asked[0])).toBe('Mon 08 Mar');
    expect(asked[0]?.body.text).toContain('Due: Friday, 12 March 2027 at 23:59 CET');
  });

  it('keeps the template’s due date for those whose goals were set on time', () => {
    for (const who of ['kim@example.com', 'per@example.com']) {
      const asked = ofKind(who, 'self-assessment.request');
      expect(asked).toHaveLength(1);
      expect(asked[0]?.body.text).toContain('Due: Monday, 8 March 2027 at 23:59 CET');
    }
  });

  it('reminds Liv from the new due date (3 and 1 days before it) and escalates nothing, since she answered in time', () => {
    const reminders = ofKind('liv@example.com', 'self-assessment.reminder');
    expect(reminders.map(osloTime)).toEqual(['Tue 09 Mar', 'Thu 11 Mar']);
    expect(reminders[0]?.body.text).toContain('due Friday, 12 March 2027 at 23:59 CET');
    expect(emails.filter((e) => emailKind(e) === 'self-assessment.escalation')).toEqual([]);
  });

  it('was indeed late with her goals: her manager and her skip-level heard of them', () => {
    const told = emails.filter((e) => emailKind(e) === 'goal-setting.escalation');
    expect(told.map((e) => e.destination.to[0])).toEqual(['mgr@example.com', 'ceo@example.com']);
    expect(osloTime(told[1])).toBe('Mon 08 Mar');
  });
});
