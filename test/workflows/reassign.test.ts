import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/growcycle';
import { stableId } from '../../domain/platform/ids';
import { db, type Employee } from '../../domain/platform/table';
import { answer, type CapturedEmail, emailKind, fetchInbox, linkIn } from '../../local/people';
import type { Execution } from '../../local/step-functions';
import { hrisRow, team } from '../support/fixtures';
import { removeInterloper, runBeforeSending } from '../support/interloper';
import {
  type ApiCall,
  hrApi,
  runUntil as runUntilIdle,
  startTestStack,
  type TestStack,
} from '../support/local-stack';

/*
 * Named scenarios for the changes HR makes to who answers a request while a cycle runs, on the
 * synthesized state machines with the simulated clock. The bounce comes from the local SES mailbox
 * simulator, through the EventBridge rule of the template, to the same handler module AWS runs.
 */

const START = new Date('2027-05-03T08:00:00Z');
const BOUNCER = 'bounce+rb@simulator.amazonses.com';

let stack: TestStack;
/** How many SES sends to come are refused with its throttling error (the local SES's fault roll). */
let sesRefusals = 0;

const people = team({ title: 'Staff', timeZone: 'Europe/Oslo' }, [
  { employeeId: 'ceo' },
  // "bounce re-routed": rb-sub's three teammates are all asked; one address bounces.
  { employeeId: 'rb-mgr', managerId: 'ceo' },
  { employeeId: 'rb-sub', managerId: 'rb-mgr' },
  { employeeId: 'rb-p1', managerId: 'rb-mgr' },
  { employeeId: 'rb-p2', managerId: 'rb-mgr' },
  { employeeId: 'rb-bouncer', managerId: 'rb-mgr', email: BOUNCER },
  { employeeId: 'rb-new', managerId: 'ceo' },
  { employeeId: 'rb-gone', managerId: 'ceo', status: 'left' },
  // "manager changes": mc-sub moves from mc-old to mc-new while the appraisal waits.
  { employeeId: 'mc-old', managerId: 'ceo' },
  { employeeId: 'mc-new', managerId: 'ceo' },
  { employeeId: 'mc-sub', managerId: 'mc-old' },
  // "manager changes by org import": the appraisal is not sent yet when mi-sub moves.
  { employeeId: 'mi-old', managerId: 'ceo' },
  { employeeId: 'mi-new', managerId: 'mc-new' },
  { employeeId: 'mi-sub', managerId: 'mi-old' },
  // "manager changes while SES throttles": mt-a and mt-b move together; the first email is refused.
  { employeeId: 'mt-old', managerId: 'ceo' },
  { employeeId: 'mt-new', managerId: 'ceo' },
  { employeeId: 'mt-a', managerId: 'mt-old' },
  { employeeId: 'mt-b', managerId: 'mt-old' },
  // "peer passed on while SES throttles": pt-sub's teammates give feedback; pt-p1's goes to pt-new.
  { employeeId: 'pt-mgr', managerId: 'ceo' },
  { employeeId: 'pt-sub', managerId: 'pt-mgr' },
  { employeeId: 'pt-p1', managerId: 'pt-mgr' },
  { employeeId: 'pt-p2', managerId: 'pt-mgr' },
  { employeeId: 'pt-new', managerId: 'ceo' },
  // "manager changes as the appraisal opens": mo-sub's appraisal opens between the move's read and write.
  { employeeId: 'mo-old', managerId: 'ceo' },
  { employeeId: 'mo-new', managerId: 'ceo' },
  { employeeId: 'mo-sub', managerId: 'mo-old' },
]);
/** Someone of this org as the HR system has them once they report to another manager. */
const movedTo = (managerId: string, employeeId: string): Employee => {
  const found = people.find((p) => p.employeeId === employeeId);
  if (!found) throw new Error(`no ${employeeId} in this org`);
  return { ...found, managerId };
};

const api: ApiCall = (...args) => hrApi(stack)(...args);

const inboxOf = async (address: string): Promise<CapturedEmail[]> =>
  (await fetchInbox(stack.urls.inbox)).filter((e) => e.destination.to.includes(address));
const kindsTo = async (address: string) => (await inboxOf(address)).map(emailKind);
const runUntil = (done: () => boolean | Promise<boolean>, onIdle?: () => Promise<void>) =>
  runUntilIdle(stack, done, onIdle);

/** Answers the latest email of that kind (whose subject names the cycle) in the person's inbox. */
const answerLatest = async (address: string, kind: string, cycleName: string): Promise<number> => {
  const email = (await inboxOf(address))
    .reverse()
    .find(
      (e) => emailKind(e) === kind && (e.subject.includes(cycleName) || kind === 'peer-feedback.request'),
    );
  return email ? answer(linkIn(email) as string, 2) : 0;
};

const reviewRun = (cycleId: string): Execution | undefined =>
  stack.sfn
    .list()
    .find((e) => e.stateMachineArn === stack.stateMachineArn('EmployeeReview') && e.input.includes(cycleId));

const schedule = async (name: string, participants: string[]) => {
  const res = await api('POST', '/cycles', {
    name,
    startAt: new Date(Date.now()).toISOString(),
    participants,
  });
  expect(res.status).toBe(201);
  return String(res.body.cycleId);
};

type Status = { bounced: Array<{ requestId: string; kind: string; subjectId: string; recipientId: string }> };

beforeAll(async () => {
  stack = await startTestStack(START, {
    faults: {
      sesThrottleRate: 0.5,
      random: () => {
        if (sesRefusals === 0) return 1;
        sesRefusals -= 1;
        return 0;
      },
    },
  });
  expect((await api('PUT', '/employees', { employees: people })).status).toBe(200);
});

afterAll(async () => {
  await stack?.dispose();
});

describe('reviewer changes while a cycle runs', () => {
  it('bounce re-routed: the bouncing peer is flagged, HR is told once, HR reassigns, the new peer answers, the review completes and the old link is refused', async () => {
    const cycleId = await schedule('Bounce spring', ['rb-sub']);
    const hrBounces = async () =>
      (await inboxOf('hr@example.com')).filter((e) => emailKind(e) === 'peer-feedback.bounce');
    await runUntil(async () => (await hrBounces()).length > 0);

    // Flagged: the address, the request (still open, so the workflow keeps waiting), HR's status.
    const bouncer = (await api('GET', '/employees/rb-bouncer')).body as {
      employee: { emailProblem?: { type: string } };
    };
    expect(bouncer.employee.emailProblem?.type).toBe('bounce');
    const status = (await api('GET', `/cycles/${cycleId}`)).body as unknown as Status;
    expect(status.bounced).toHaveLength(1);
    const bounced = status.bounced[0] as Status['bounced'][number];
    expect(bounced).toMatchObject({ kind: 'peer-feedback', subjectId: 'rb-sub', recipientId: 'rb-bouncer' });
    const printed: string[] = [];
    const io = { out: (l: string) => printed.push(l), err: () => undefined, isTty: false };
    const token = stack.devToken('hr-test', { hr: true });
    expect(await run(['status', cycleId, '--api', stack.urls.api, '--token', token], io)).toBe(0);
    expect(printed.join('\n')).toMatch(
      new RegExp(
        `address bounced \\(1\\)[\\s\\S]*${bounced.requestId}\\s+peer-feedback\\s+rb-sub\\s+rb-bouncer`,
      ),
    );
    const [told] = await hrBounces();
    expect(told?.body.text).toContain(bounced.requestId);
    expect(told?.body.text).toContain('rb-bouncer');
    expect(told?.body.text).toContain(`/requests/${bounced.requestId}/reassign`);
    expect(told?.body.text).toContain(`growcycle reassign ${bounced.requestId} --to`);
    expect(told?.body.text).not.toContain(BOUNCER);
    const oldLink = linkIn((await inboxOf(BOUNCER)).find((e) => e.subject.length > 0) as CapturedEmail);
    expect(reviewRun(cycleId)?.status).toBe('RUNNING');

    // The others answer; HR's refusals name the field, then the request goes to rb-new.
    expect(await answerLatest('rb-sub@example.com', 'self-assessment.request', 'Bounce spring')).toBe(200);
    expect(await answerLatest('rb-p1@example.com', 'peer-feedback.request', 'Bounce spring')).toBe(200);
    expect(await answerLatest('rb-p2@example.com', 'peer-feedback.request', 'Bounce spring')).toBe(200);
    const reassign = (recipientId: string) =>
      api('POST', `/requests/${bounced.requestId}/reassign`, { recipientId, reason: 'address bounces' });
    const toSubject = await reassign('rb-sub');
    expect(toSubject.status).toBe(422);
    expect(toSubject.body.errors).toEqual([
      { field: 'recipientId', message: expect.stringContaining('reviewed') },
    ]);
    expect((await reassign('rb-gone')).status).toBe(422);
    expect((await reassign('rb-p1')).body.errors).toEqual([
      { field: 'recipientId', message: expect.stringContaining('already gives peer feedback') },
    ]);
    expect((await reassign('nobody')).status).toBe(422);
    // HR passes it on at the command line, as the email to HR shows.
    printed.length = 0;
    expect(
      await run(
        [
          'reassign',
          bounced.requestId,
          '--to',
          'rb-new',
          '--reason',
          'address bounces',
          '--api',
          stack.urls.api,
          '--token',
          token,
        ],
        io,
      ),
    ).toBe(0);
    expect(printed).toEqual(['passed to rb-new; they are asked now, and the previous link no longer works']);
    // A retried call changes nothing and sends nothing more.
    expect((await reassign('rb-new')).body).toMatchObject({
      recipientId: 'rb-new',
      unchanged: true,
      assignment: 1,
    });
    await stack.settle();

    expect(await kindsTo('rb-new@example.com')).toEqual(['peer-feedback.request']);
    expect((await fetch(oldLink as string)).status).toBe(410);
    expect(await answerLatest('rb-new@example.com', 'peer-feedback.request', 'Bounce spring')).toBe(200);
    await runUntil(async () => (await kindsTo('rb-mgr@example.com')).includes('manager-appraisal.request'));
    expect(await answerLatest('rb-mgr@example.com', 'manager-appraisal.request', 'Bounce spring')).toBe(200);
    await runUntil(() => reviewRun(cycleId)?.status !== 'RUNNING');

    expect(reviewRun(cycleId)?.status).toBe('SUCCEEDED');
    const review = (await api('GET', `/cycles/${cycleId}/reviews/rb-sub?view=hr`)).body as {
      review: { status: string };
      peerFeedback: { answers: Array<{ fromId: string }> };
    };
    expect(review.review.status).toBe('completed');
    expect(review.peerFeedback.answers.map((a) => a.fromId).sort()).toEqual(['rb-new', 'rb-p1', 'rb-p2']);
    expect((await api('GET', `/cycles/${cycleId}`)).body.bounced).toEqual([]);
    expect(await hrBounces()).toHaveLength(1);
    expect((await fetch(oldLink as string)).status).toBe(410);
    const audit = (await api('GET', `/audit/${encodeURIComponent(`request#${bounced.requestId}`)}`)).body as {
      events: Array<{ action: string; actor: string; details?: Record<string, unknown> }>;
    };
    expect(audit.events.map((e) => e.action)).toEqual([
      'peer-feedback.bounced',
      'peer-feedback.reassigned',
      'peer-feedback.submitted',
    ]);
    expect(audit.events[1]).toMatchObject({
      actor: 'hr-test',
      details: { from: 'rb-bouncer', to: 'rb-new', reason: 'address bounces' },
    });
  });

  it('manager changes: the waiting manager appraisal follows the new manager, who answers; the old manager gets no further email', async () => {
    const cycleId = await schedule('Manager move', ['mc-sub']);
    await runUntil(async () => (await kindsTo('mc-sub@example.com')).includes('self-assessment.request'));
    expect(await answerLatest('mc-sub@example.com', 'self-assessment.request', 'Manager move')).toBe(200);
    await runUntil(async () => (await kindsTo('mc-old@example.com')).includes('manager-appraisal.request'));
    const oldLink = linkIn(
      (await inboxOf('mc-old@example.com')).find(
        (e) => emailKind(e) === 'manager-appraisal.request',
      ) as CapturedEmail,
    );
    const oldManagerMail = (await inboxOf('mc-old@example.com')).length;

    const moved = await api('PUT', '/employees', { employees: [movedTo('mc-new', 'mc-sub')] });
    expect(moved.status).toBe(200);
    expect(moved.body.movedRequests).toHaveLength(1);
    await stack.settle();
    expect(await kindsTo('mc-new@example.com')).toEqual(['manager-appraisal.request']);
    expect((await fetch(oldLink as string)).status).toBe(410);

    // Let a reminder come due before the new manager answers: it goes to them, not to the old one.
    await runUntil(async () => (await kindsTo('mc-new@example.com')).includes('manager-appraisal.reminder'));
    expect(await answerLatest('mc-new@example.com', 'manager-appraisal.reminder', 'Manager move')).toBe(200);
    await runUntil(() => reviewRun(cycleId)?.status !== 'RUNNING');

    expect(reviewRun(cycleId)?.status).toBe('SUCCEEDED');
    const review = (await api('GET', `/cycles/${cycleId}/reviews/mc-sub`)).body as {
      review: { status: string; managerId: string };
    };
    expect(review.review).toMatchObject({ status: 'completed', managerId: 'mc-new' });
    expect((await inboxOf('mc-old@example.com')).slice(oldManagerMail)).toEqual([]);
  });
  it('manager changes by org import before the appraisal is sent: the request and its escalation follow, the old manager is never asked', async () => {
    const cycleId = await schedule('Import move', ['mi-sub']);
    await runUntil(async () => (await kindsTo('mi-sub@example.com')).includes('self-assessment.request'));
    const requestId = stableId(cycleId, 'mi-sub', 'manager');

    const imported = await api('POST', '/org/import', {
      mode: 'partial',
      rows: [hrisRow(movedTo('mi-new', 'mi-sub'))],
    });
    expect(imported).toMatchObject({ status: 200, body: { applied: true, counts: { updated: 1 } } });
    const audit = (await api('GET', `/audit/${encodeURIComponent(`request#${requestId}`)}`)).body as {
      events: Array<{ action: string; details?: Record<string, unknown> }>;
    };
    expect(audit.events).toEqual([
      expect.objectContaining({
        action: 'manager-appraisal.reassigned',
        details: expect.objectContaining({ from: 'mi-old', to: 'mi-new', reason: 'manager changed' }),
      }),
    ]);

    expect(await answerLatest('mi-sub@example.com', 'self-assessment.request', 'Import move')).toBe(200);
    // Nobody answers the appraisal: the reminders and the escalation to the skip-level follow the new line.
    await runUntil(() => reviewRun(cycleId)?.status !== 'RUNNING');
    expect(await kindsTo('mi-new@example.com')).toEqual(
      expect.arrayContaining(['manager-appraisal.request', 'manager-appraisal.reminder']),
    );
    expect(
      (await inboxOf('mc-new@example.com')).filter((e) => emailKind(e) === 'manager-appraisal.escalation'),
    ).toHaveLength(1);
    expect(await inboxOf('mi-old@example.com')).toEqual([]);
    expect((await kindsTo('ceo@example.com')).filter((k) => k === 'manager-appraisal.escalation')).toEqual(
      [],
    );
  });

  it('manager changes while SES throttles: HR’s change is taken whole, and the held-back appraisal follows once', async () => {
    const cycleId = await schedule('Throttled move', ['mt-a', 'mt-b']);
    const asked = async (address: string, kind: string) =>
      (await kindsTo(address)).filter((k) => k === kind).length;
    await runUntil(
      async () =>
        (await asked('mt-old@example.com', 'manager-appraisal.request')) === 0 &&
        (await asked('mt-a@example.com', 'self-assessment.request')) === 1 &&
        (await asked('mt-b@example.com', 'self-assessment.request')) === 1,
    );
    expect(await answerLatest('mt-a@example.com', 'self-assessment.request', 'Throttled move')).toBe(200);
    expect(await answerLatest('mt-b@example.com', 'self-assessment.request', 'Throttled move')).toBe(200);
    await runUntil(async () => (await asked('mt-old@example.com', 'manager-appraisal.request')) === 2);

    // The first reassigned appraisal's email is refused: the change must still move both.
    sesRefusals = 1;
    const moved = await api('PUT', '/employees', {
      employees: [movedTo('mt-new', 'mt-a'), movedTo('mt-new', 'mt-b')],
    });
    expect(sesRefusals).toBe(0);
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.movedRequests).toHaveLength(2);
    for (const employeeId of ['mt-a', 'mt-b'])
      expect((await api('GET', `/cycles/${cycleId}/reviews/${employeeId}`)).body.review).toMatchObject({
        managerId: 'mt-new',
      });

    // The held-back one is sent by its woken step, without waiting for a reminder; each goes once.
    await stack.settle();
    const appraisals = (await inboxOf('mt-new@example.com')).filter(
      (e) => emailKind(e) === 'manager-appraisal.request',
    );
    expect(appraisals.map((e) => linkIn(e)).filter((l) => l !== undefined)).toHaveLength(2);
    expect(new Set(appraisals.map((e) => e.subject)).size).toBe(2);
  });

  it('a peer passed on while SES throttles: the group’s step is woken and the new peer is asked once', async () => {
    const cycleId = await schedule('Throttled peer', ['pt-sub']);
    await runUntil(async () => (await kindsTo('pt-p1@example.com')).includes('peer-feedback.request'));
    const requestId = stableId(cycleId, 'pt-sub', 'peer', 'pt-p1');

    sesRefusals = 1;
    const passed = await api('POST', `/requests/${requestId}/reassign`, {
      recipientId: 'pt-new',
      reason: 'on leave',
    });
    expect(sesRefusals).toBe(0);
    expect(passed.status, JSON.stringify(passed.body)).toBe(200);

    // Asked by the woken group step, without waiting for the group's next reminder.
    await stack.settle();
    expect(await kindsTo('pt-new@example.com')).toEqual(['peer-feedback.request']);
    expect(await answerLatest('pt-new@example.com', 'peer-feedback.request', 'Throttled peer')).toBe(200);
  });

  it('manager changes as the appraisal opens: the move is read again, and the new manager is asked', async () => {
    const cycleId = await schedule('Opening move', ['mo-sub']);
    await runUntil(async () => (await kindsTo('mo-sub@example.com')).includes('self-assessment.request'));
    const requestId = stableId(cycleId, 'mo-sub', 'manager');
    expect((await db().request.get({ requestId }).go({ consistent: true })).data?.status).toBe('pending');

    // Just before the move is written, the appraisal opens and invites the old manager, as its step
    // would once the self-assessment is in.
    const opening = runBeforeSending(
      (input) => {
        const sent = JSON.stringify(input);
        return sent.includes(requestId) && sent.includes('manager-appraisal.reassigned');
      },
      async () => {
        const at = new Date().toISOString();
        await db().request.patch({ requestId }).set({ status: 'open', inviteAt: at, invitedAt: at }).go();
      },
    );
    try {
      const moved = await api('PUT', '/employees', { employees: [movedTo('mo-new', 'mo-sub')] });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    } finally {
      removeInterloper();
    }
    expect(opening.ran()).toBe(true);
    const stored = (await db().request.get({ requestId }).go({ consistent: true })).data;
    expect(stored).toMatchObject({ status: 'open', recipientId: 'mo-new' });
    await stack.settle();
    expect(await kindsTo('mo-new@example.com')).toEqual(['manager-appraisal.request']);
  });
});
