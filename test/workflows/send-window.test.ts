import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogPath } from '../../cli/growcycle';
import { localDate } from '../../domain/mail/compose';
import { answer, type CapturedEmail, emailKind, fetchInboxItems, linkIn } from '../../local/people';
import { sampleCatalog, withoutGoalSetting } from '../support/catalog';
import { monasTeam } from '../support/fixtures';
import {
  type ApiCall,
  cycleExecution,
  hrApi,
  runUntil,
  startTestStack,
  type TestStack,
} from '../support/local-stack';

/*
 * A cycle made from the sample template without goal setting (send hour 09:00, quiet on Saturday and Sunday, due dates
 * 7/10/14 days after the start, reminders 3 and 1 days before, escalation 1 and 3 days after)
 * scheduled to start on a Saturday, for a team in Oslo and New York. Everyone answers when asked
 * except Nora (New York), who answers only after a reminder, and Ola (Oslo), who never answers.
 */

const START = new Date('2027-01-02T08:00:00Z'); // Saturday
const OSLO = 'Europe/Oslo';
const NEW_YORK = 'America/New_York';

const people = monasTeam({ title: 'Staff', timeZone: OSLO }, [
  { employeeId: 'ola', name: 'Ola Oslo' },
  { employeeId: 'kari', name: 'Kari Oslo' },
  { employeeId: 'nora', name: 'Nora York', timeZone: NEW_YORK },
  { employeeId: 'sam', name: 'Sam York', timeZone: NEW_YORK },
]);
const zoneOf = new Map(people.map((p) => [p.email, p.timeZone]));

let stack: TestStack;

const api: ApiCall = (...args) => hrApi(stack)(...args);

const wallClock = (email: CapturedEmail, timeZone: string) => {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(email.at * 1000));
  return {
    weekday: parts.find((p) => p.type === 'weekday')?.value,
    hour: Number(parts.find((p) => p.type === 'hour')?.value),
  };
};

/**
 * The UTC hour an email left in: scheduled emails go at a point of the send hour fixed per request
 * (spread so a large cycle does not wake all at once), so the hour is what is fixed.
 */
const hourOf = (email: CapturedEmail | undefined) =>
  new Date((email?.at ?? 0) * 1000).toISOString().slice(0, 13);

let emails: CapturedEmail[] = [];
let cycleStatus: string | undefined;

beforeAll(async () => {
  stack = await startTestStack(new Date('2027-01-01T12:00:00Z'));
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
  // Without goal setting, so the self-assessment opens at the start and its dates are the template's
  // (late phases have their own test, test/workflows/late-phases.test.ts).
  for (const doc of sampleCatalog()) {
    expect((await api('PUT', catalogPath(doc.kind, doc.id), withoutGoalSetting(doc))).status).toBeLessThan(
      300,
    );
  }
  const scheduled = await api('POST', '/cycles', {
    name: 'Winter check-in',
    templateId: 'annual-review',
    startAt: START.toISOString(),
    participants: ['ola', 'kari', 'nora', 'sam'],
  });
  expect(scheduled.status).toBe(201);
  const cycleId = String(scheduled.body.cycleId);

  const answered = new Set<string>();
  const cycleRun = () => cycleExecution(stack, cycleId);
  await runUntil(
    stack,
    () => cycleRun()?.status === 'SUCCEEDED',
    async () => {
      for (const email of await fetchInboxItems(stack.urls.inbox)) {
        const kind = emailKind(email);
        const link = linkIn(email);
        const to = email.destination.to[0] ?? '';
        if (!link || answered.has(link.split('?')[0] ?? link)) continue;
        if (to === 'ola@example.com') continue;
        if (to === 'nora@example.com' && !kind.endsWith('.reminder')) continue;
        answered.add(link.split('?')[0] ?? link);
        await answer(link, answered.size);
      }
    },
  );
  cycleStatus = cycleRun()?.status;
  emails = await fetchInboxItems(stack.urls.inbox);
}, 170_000);

afterAll(async () => {
  await stack?.dispose();
});

describe('time: deadlines in each person’s zone, emails at their send hour, never on quiet days', () => {
  it('runs the whole cycle to its end', () => {
    expect(cycleStatus).toBe('SUCCEEDED');
  });

  it('sends every request, reminder and escalation at 09:00–10:00 on a weekday in the late person’s zone', () => {
    const ladder = emails.filter((e) => /\.(request|reminder|escalation)$/.test(emailKind(e)));
    expect(ladder.length).toBeGreaterThan(10);
    for (const email of ladder) {
      const to = email.destination.to[0] ?? '';
      // Escalations about Ola follow Ola's calendar (Oslo); everyone else is addressed in their own.
      const zone = emailKind(email).endsWith('.escalation') ? OSLO : (zoneOf.get(to) ?? 'UTC');
      const { weekday, hour } = wallClock(email, zone);
      expect({ to, kind: emailKind(email), weekday, hour }).toEqual(
        expect.objectContaining({ hour: 9, weekday: expect.stringMatching(/^(Mon|Tue|Wed|Thu|Fri)$/) }),
      );
    }
  });

  it('holds the weekend start back to Monday morning in each zone', () => {
    const firstTo = (address: string) =>
      emails.find((e) => e.destination.to[0] === address && emailKind(e) === 'self-assessment.request');
    // Monday 4 January 09:00: 08:00 UTC in Oslo, 14:00 UTC in New York.
    expect(hourOf(firstTo('kari@example.com'))).toBe('2027-01-04T08');
    expect(hourOf(firstTo('sam@example.com'))).toBe('2027-01-04T14');
  });

  it('spreads the emails it held back over the send hour instead of sending them all at once', () => {
    const heldBack = emails.filter(
      (e) =>
        emailKind(e).endsWith('.request') &&
        hourOf(e) === '2027-01-04T08' &&
        e.destination.to[0] !== 'hr@example.com',
    );
    expect(heldBack.length).toBeGreaterThan(3);
    expect(new Set(heldBack.map((e) => Math.floor(e.at / 60))).size).toBeGreaterThan(1);
  });

  it('states each deadline as the end of the due day in the reader’s own zone', () => {
    const self = (address: string) =>
      emails.find((e) => e.destination.to[0] === address && emailKind(e) === 'self-assessment.request');
    // Seven days after Saturday 2 January: Saturday 9 January, 23:59 where the person lives.
    expect(self('kari@example.com')?.body.text).toContain(localDate('2027-01-09T22:59:59Z', OSLO));
    expect(self('sam@example.com')?.body.text).toContain(localDate('2027-01-10T04:59:59Z', NEW_YORK));
  });

  it('late with reminders: Nora is reminded on the working day before a weekend due date, and answers', () => {
    const toNora = emails.filter((e) => e.destination.to[0] === 'nora@example.com');
    const selfReminders = toNora.filter((e) => emailKind(e) === 'self-assessment.reminder');
    // Due Saturday: 3 days before is Wednesday 6 January, 1 day before is Friday 8 January.
    expect(selfReminders.map((e) => hourOf(e))).toEqual(['2027-01-06T14']);
    expect(toNora.filter((e) => emailKind(e) === 'self-assessment.escalation')).toHaveLength(0);
  });

  it('never answered: Ola’s manager and skip-level hear on working mornings after the due date', () => {
    const about = emails.filter((e) => emailKind(e) === 'self-assessment.escalation');
    expect(about.map((e) => [e.destination.to[0], hourOf(e)])).toEqual([
      // 1 day after Saturday is Sunday: Monday 11 January instead; 3 days after is Tuesday 12.
      ['mgr@example.com', '2027-01-11T08'],
      ['ceo@example.com', '2027-01-12T08'],
    ]);
  });
});
