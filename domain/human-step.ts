import { escalationTime, lateOpeningDeadline, reminderTime } from './calendar';
import { addHours, now, secondsUntil } from './clock';
import { config } from './config';
import { endReview } from './cycles';
import { db, type HumanRequest, type Letter } from './db';
import {
  type DigestItem,
  digestEmail,
  type EmailAttachment,
  type EscalationEmailInput,
  escalationEmail,
  type RequestEmailInput,
  requestEmail,
} from './emails';
import { isConditionFailure } from './errors';
import { signedUrl } from './links';
import { sendOnce } from './mailer';
import {
  finishWithAppraisal,
  goalDecisionOf,
  isReleased,
  meetingInvite,
  releaseGate,
  sendEmployeeInvitation,
} from './phases';
import {
  type Deliver,
  type Progress,
  personalSpreadSeconds,
  postLetter,
  postTime,
  recipientWindow,
  withSendRetry,
} from './post';
import { resumeTask, wakeTask } from './sfn';
import { requestWait, storeToken } from './wait-tokens';

/*
 * A human step (self-assessment, peer feedback, manager appraisal, action item) waits for "done or
 * the next wake-up, whichever comes first". The workflow opens the request, then parks on a
 * .waitForTaskToken task whose timeout is the time to the next wake-up; the token is stored on the
 * request and replaced on every loop, so the link in the email (which names the request id) never
 * breaks. On a wake-up the request is read afresh, so an extended deadline takes effect then.
 */

export type Outcome = 'waiting' | 'submitted' | 'expired';
export type StepState = { requestId: string; outcome: Outcome; wakeInSeconds: number };

type Ladder = Pick<
  HumanRequest,
  'dueAt' | 'closeAt' | 'reminderHoursBefore' | 'escalations' | 'sendWindow' | 'inviteAt' | 'invitedAt'
>;

/**
 * The moments a request wakes up at, derived from its due date, reminder ladder and escalation
 * policy. With a send window (cycles made from a template) each moment is a day in the recipient's
 * own calendar at the send hour, moved off quiet days; without one, the hours are taken as they are.
 */
export const timeline = (req: Ladder & { recipientId?: string }) => {
  // Every request to one person wakes at that person's point in the send hour, so that the
  // letters they post that morning meet at one post time (domain/post.ts).
  const w =
    req.sendWindow && req.recipientId
      ? { ...req.sendWindow, spreadSeconds: personalSpreadSeconds(req.recipientId) }
      : req.sendWindow;
  const days = (hours: number) => Math.round(hours / 24);
  return {
    invite: req.inviteAt && !req.invitedAt ? new Date(req.inviteAt) : undefined,
    reminders: [...req.reminderHoursBefore]
      .sort((a, b) => b - a)
      .map((h) => (w ? reminderTime(req.dueAt, days(h), w) : addHours(req.dueAt, -h))),
    escalations: req.escalations.map((e) =>
      w ? escalationTime(req.dueAt, days(e.afterHours), w) : addHours(req.dueAt, e.afterHours),
    ),
    closeAt: new Date(req.closeAt),
  };
};

export type DueActions = {
  /** The first email, held back until the recipient's send hour, is due now. */
  invite: boolean;
  /** Index of the one reminder to send now (only the latest of several missed ones), if any. */
  reminder: number | undefined;
  remindersSent: number;
  escalations: number[];
  escalationsSent: number;
  expire: boolean;
  nextWake: Date | undefined;
};

/** What a wake-up at `at` must do. Pure, so every path of the ladder is unit-tested without AWS. */
export const dueActions = (
  req: Ladder & Pick<HumanRequest, 'remindersSent' | 'escalationsSent'> & { recipientId?: string },
  at: Date,
): DueActions => {
  const { invite, reminders, escalations, closeAt } = timeline(req);
  const t = at.getTime();
  const inviteNow = invite !== undefined && invite.getTime() <= t;
  let remindersSent = req.remindersSent;
  let reminder: number | undefined;
  while (remindersSent < reminders.length && (reminders[remindersSent] as Date).getTime() <= t) {
    reminder = remindersSent;
    remindersSent += 1;
  }
  const due: number[] = [];
  let escalationsSent = req.escalationsSent;
  while (escalationsSent < escalations.length && (escalations[escalationsSent] as Date).getTime() <= t) {
    due.push(escalationsSent);
    escalationsSent += 1;
  }
  // A reminder that is only due after an escalation went out would be noise, and so would one
  // that goes out together with the request it reminds of.
  if (escalationsSent > 0 || inviteNow) reminder = undefined;
  const expire = closeAt.getTime() <= t;
  const upcoming = [
    inviteNow ? undefined : invite,
    reminders[remindersSent],
    escalations[escalationsSent],
    closeAt,
  ]
    .filter((d): d is Date => d !== undefined && d.getTime() > t)
    .sort((a, b) => a.getTime() - b.getTime());
  return {
    invite: inviteNow && !expire,
    reminder,
    remindersSent,
    escalations: due,
    escalationsSent,
    expire,
    nextWake: expire ? undefined : upcoming[0],
  };
};

/** Reminders whose time has already passed when a request opens are skipped, not sent in a burst. */
export const remindersAlreadyPast = (
  req: Pick<HumanRequest, 'dueAt' | 'reminderHoursBefore' | 'sendWindow'> & { recipientId?: string },
  at: Date,
): number =>
  timeline({ ...req, closeAt: req.dueAt, escalations: [] }).reminders.filter(
    (d) => d.getTime() <= at.getTime(),
  ).length;

type Person = { id: string; name: string; email: string; timeZone: string };

const person = async (id: string): Promise<Person> => {
  if (id === 'hr') return { id, name: 'HR team', email: config.hrAddress, timeZone: 'UTC' };
  const found = (await db().employee.get({ employeeId: id }).go()).data;
  if (!found) throw new Error(`Employee ${id} not found`);
  return { id, name: found.name, email: found.email, timeZone: found.timeZone };
};

/**
 * Who a request goes to: an employee, HR, or a reviewer from outside the organisation, whose name and
 * address were nominated onto the request itself (they have no employee record and need no account).
 */
const recipientOf = (req: HumanRequest): Promise<Person> =>
  req.external
    ? Promise.resolve({
        id: req.recipientId,
        name: req.external.name,
        email: req.external.email,
        timeZone: req.sendWindow?.timeZone ?? 'UTC',
      })
    : person(req.recipientId);

const load = async (requestId: string): Promise<HumanRequest> => {
  const found = (await db().request.get({ requestId }).go({ consistent: true })).data;
  if (!found) throw new Error(`Request ${requestId} not found`);
  return found;
};

const settled = (req: HumanRequest): Outcome | undefined =>
  req.status === 'submitted' ? 'submitted' : req.status === 'expired' ? 'expired' : undefined;

/** Emails of a reassigned request are keyed per assignment, so the new recipient is asked once too. */
const assignmentKey = (req: HumanRequest): string => (req.assignment ? `#a${req.assignment}` : '');

/** The idempotency key of a request's first email or reminder `reminderIndex`, sent alone. */
const requestEmailKey = (req: HumanRequest, reminderIndex: number | undefined): string =>
  (reminderIndex === undefined ? `${req.requestId}#request` : `${req.requestId}#reminder#${reminderIndex}`) +
  assignmentKey(req);

/** What the request's email says to its current recipient, and who that is. */
const requestEmailInput = async (
  req: HumanRequest,
): Promise<{ recipient: Person; input: RequestEmailInput }> => {
  const recipient = await recipientOf(req);
  const subject = req.subjectId === req.recipientId ? recipient : await person(req.subjectId);
  const cycleName = req.cycleId
    ? (await db().cycle.get({ cycleId: req.cycleId }).go()).data?.name
    : undefined;
  const url = await signedUrl(req.requestId, new Date(req.closeAt), req.assignment ?? 0);
  return {
    recipient,
    input: {
      kind: req.kind,
      recipientName: recipient.name,
      subjectName: subject.name,
      cycleName,
      title: req.title,
      dueAt: req.dueAt,
      timeZone: recipient.timeZone,
      url,
      note: req.note,
      meetingAt: req.meetingAt,
    },
  };
};

/** The request (or reminder) email to the current recipient, once per key. */
export const sendRequestEmail = async (req: HumanRequest, reminderIndex: number | undefined) => {
  const { recipient, input } = await requestEmailInput(req);
  const email = requestEmail(input, reminderIndex !== undefined);
  // The review meeting's first email carries the calendar invitation, and the employee gets theirs.
  const invite = reminderIndex === undefined ? await meetingInvite(req) : undefined;
  if (invite) {
    email.attachments = [
      { fileName: 'review-meeting.ics', contentType: 'text/calendar; method=REQUEST', content: invite.ics },
    ];
    await sendEmployeeInvitation(req, invite);
  }
  await sendOnce({
    key: requestEmailKey(req, reminderIndex),
    kind: `${req.kind}.${reminderIndex === undefined ? 'request' : 'reminder'}`,
    toId: recipient.id,
    toAddress: recipient.email,
    requestId: req.requestId,
    email,
  });
};

/** The idempotency key of a request's escalation `index`, sent alone. */
const escalationEmailKey = (req: HumanRequest, index: number): string =>
  `${req.requestId}#escalation#${index}`;

/** What escalation `index` of a request says, and to whom. */
const escalationInput = async (
  req: HumanRequest,
  index: number,
): Promise<{ escalatee: Person; input: EscalationEmailInput } | undefined> => {
  const step = req.escalations[index];
  if (!step) return undefined;
  const [escalatee, owner] = await Promise.all([person(step.toId), recipientOf(req)]);
  const subject = req.subjectId === req.recipientId ? owner : await person(req.subjectId);
  return {
    escalatee,
    input: {
      kind: req.kind,
      escalateeName: escalatee.name,
      role: step.role,
      ownerName: owner.name,
      subjectName: subject.name,
      title: req.title,
      dueAt: req.dueAt,
      timeZone: escalatee.timeZone,
    },
  };
};

const sendEscalation = async (req: HumanRequest, index: number) => {
  const found = await escalationInput(req, index);
  if (!found) return;
  await sendOnce({
    key: escalationEmailKey(req, index),
    kind: `${req.kind}.escalation`,
    toId: found.escalatee.id,
    toAddress: found.escalatee.email,
    requestId: req.requestId,
    email: escalationEmail(found.input),
  });
};

/*
 * In a cycle with a send window, emails are posted as letters (domain/post.ts) rather than sent:
 * each posting moves the request's own progress in the same transaction, so a retried step finds
 * it posted.
 */

type Window = NonNullable<HumanRequest['sendWindow']>;

const requestPatch = (requestId: string) => db().request.patch({ requestId });

/** A letter for the request's invitation (or reminder `reminderIndex`) to its current recipient. */
const requestLetter = (req: HumanRequest & { sendWindow: Window }, reminderIndex: number | undefined) => ({
  recipientId: req.recipientId,
  key: requestEmailKey(req, reminderIndex),
  requestId: req.requestId,
  purpose: reminderIndex === undefined ? ('request' as const) : ('reminder' as const),
  index: reminderIndex ?? 0,
  assignment: req.assignment ?? 0,
  // The request's window is already in its recipient's zone (reassignment moves it along).
  window: recipientWindow(req.sendWindow, req.recipientId, req.sendWindow.timeZone),
});

/** Posts the request's invitation (or reminder `reminderIndex`), its progress in the same transaction. */
const postRequestLetter = (
  req: HumanRequest & { sendWindow: Window },
  reminderIndex: number | undefined,
  progress: Progress,
  at: Date,
) => postLetter({ ...requestLetter(req, reminderIndex), progress }, at);

const postInvitation = (req: HumanRequest & { sendWindow: Window }, at: Date) =>
  postRequestLetter(
    req,
    undefined,
    (postAt) =>
      requestPatch(req.requestId)
        .set({ inviteAt: postAt.toISOString(), invitedAt: postAt.toISOString() })
        .where((a, op) => `${op.eq(a.status, 'open')} AND ${op.notExists(a.invitedAt)}`)
        .params(),
    at,
  );

const postReminder = (req: HumanRequest & { sendWindow: Window }, index: number, sent: number, at: Date) =>
  postRequestLetter(
    req,
    index,
    () =>
      requestPatch(req.requestId)
        .set({ remindersSent: sent })
        .where((a, op) => `${op.eq(a.status, 'open')} AND ${op.eq(a.remindersSent, req.remindersSent)}`)
        .params(),
    at,
  );

const postEscalation = async (req: HumanRequest & { sendWindow: Window }, index: number, at: Date) => {
  const step = req.escalations[index];
  if (!step) return;
  const escalatee = await person(step.toId);
  await postLetter(
    {
      recipientId: escalatee.id,
      key: escalationEmailKey(req, index),
      requestId: req.requestId,
      purpose: 'escalation',
      index,
      assignment: req.assignment ?? 0,
      window: recipientWindow(req.sendWindow, escalatee.id, escalatee.timeZone),
      progress: () =>
        requestPatch(req.requestId)
          .set({ escalationsSent: index + 1 })
          .where((a, op) => `${op.eq(a.status, 'open')} AND ${op.eq(a.escalationsSent, index)}`)
          .params(),
    },
    at,
  );
};

const windowed = (req: HumanRequest): req is HumanRequest & { sendWindow: Window } =>
  req.sendWindow !== undefined;

/** A name as a file name: `Ola Haugen` → `ola-haugen`. */
const slug = (name: string): string =>
  name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase() || 'meeting';

/** The request's cycle was cancelled, or its review was (the person left): nothing more is said of it. */
const withdrawn = async (req: HumanRequest): Promise<boolean> => {
  if (!req.cycleId) return false;
  const [c, r] = await Promise.all([
    db().cycle.get({ cycleId: req.cycleId }).go(),
    db().review.get({ cycleId: req.cycleId, employeeId: req.subjectId }).go(),
  ]);
  return c.data?.status === 'cancelled' || r.data?.status === 'cancelled';
};

/**
 * Whether a letter is still owed when the postman comes: nothing about an answered request, ever;
 * no invitation or reminder once it closed, was re-routed, or its recipient's address bounced; an
 * escalation still if it closed unanswered meanwhile, unless that was HR cancelling the cycle or
 * the person leaving it.
 */
const stillOwed = async (req: HumanRequest, l: Letter): Promise<boolean> => {
  if ((req.assignment ?? 0) !== l.assignment) return false;
  if (l.purpose !== 'escalation')
    return req.status === 'open' && req.recipientId === l.recipientId && !req.bounced;
  if (req.status === 'open') return true;
  return req.status === 'expired' && !(await withdrawn(req));
};

/**
 * The postman's delivery to one recipient: what is still owed of their letters, as one email, or as
 * the request's own email when only one is left. Review meetings carry their calendar files along:
 * a manager with four meetings gets one email with four `.ics` files (and each employee their own
 * invitation, as with a single one).
 */
export const deliverLetters: Deliver = async (recipientId, letters, postAt) => {
  const owed: Array<{ l: Letter; req: HumanRequest }> = [];
  for (const l of letters) {
    const req = (await db().request.get({ requestId: l.requestId }).go({ consistent: true })).data;
    if (req && (await stillOwed(req, l))) owed.push({ l, req });
  }
  const [only] = owed;
  if (owed.length === 1 && only) {
    await withSendRetry(() =>
      only.l.purpose === 'escalation'
        ? sendEscalation(only.req, only.l.index)
        : sendRequestEmail(only.req, only.l.purpose === 'reminder' ? only.l.index : undefined),
    );
    return;
  }
  if (owed.length < 2) return;
  let to: Person | undefined;
  const items: DigestItem[] = [];
  const attachments: EmailAttachment[] = [];
  for (const { l, req } of owed) {
    if (l.purpose === 'escalation') {
      const found = await escalationInput(req, l.index);
      if (!found) continue;
      to = found.escalatee;
      items.push({ kind: `${req.kind}.escalation`, escalation: found.input });
      continue;
    }
    const { recipient, input } = await requestEmailInput(req);
    to = recipient;
    items.push({ kind: `${req.kind}.${l.purpose}`, request: input, reminder: l.purpose === 'reminder' });
    const invite = l.purpose === 'request' ? await meetingInvite(req) : undefined;
    if (invite) {
      attachments.push({
        fileName: `review-meeting-${slug(input.subjectName)}.ics`,
        contentType: 'text/calendar; method=REQUEST',
        content: invite.ics,
      });
      await withSendRetry(() => sendEmployeeInvitation(req, invite));
    }
  }
  if (!to) return;
  const address = to;
  const { email, kinds } = digestEmail(address.name, items);
  if (attachments.length > 0) email.attachments = attachments;
  await withSendRetry(() =>
    sendOnce({
      key: `digest#${recipientId}#${postAt}`,
      kind: 'digest',
      toId: recipientId,
      toAddress: address.email,
      requestIds: owed.map(({ req }) => req.requestId),
      items: kinds,
      email,
    }),
  );
};

const wakeState = (req: HumanRequest, at: Date): StepState => {
  const { nextWake, escalations, expire } = dueActions(req, at);
  // Already overdue when opened (a past due date): wake at once so the escalations go out now,
  // not together with the next one.
  if (escalations.length > 0 || expire)
    return { requestId: req.requestId, outcome: 'waiting', wakeInSeconds: 1 };
  return {
    requestId: req.requestId,
    outcome: 'waiting',
    wakeInSeconds: secondsUntil(nextWake ?? req.closeAt, at),
  };
};

/** A request that never opened and never will: expired as it is, without an email. */
const expireUnopened = async (requestId: string): Promise<StepState> => {
  await db()
    .request.patch({ requestId })
    .set({ status: 'expired' })
    .where((a, op) => op.eq(a.status, 'pending'))
    .go()
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  return { requestId, outcome: settled(await load(requestId)) ?? 'expired', wakeInSeconds: 1 };
};

const precedingSubmitted = async (requestId: string): Promise<boolean> =>
  (await load(requestId)).status === 'submitted';

/**
 * A step the review does not have (no review meeting in its template, none of the phases after the
 * appraisal in a cycle without a template) is named '' and skipped: it costs two state transitions
 * where a Choice in front of the steps would cost one in every review, including those that have them.
 */
const SKIPPED: StepState = { requestId: '', outcome: 'expired', wakeInSeconds: 1 };

/** Opens a request: sends its email once and returns when to wake up next. Safe to retry. */
export const openRequest = async (requestId: string): Promise<StepState> => {
  if (requestId === '') return SKIPPED;
  const req = await load(requestId);
  const done = settled(req);
  if (done) return { requestId, outcome: done, wakeInSeconds: 1 };
  const at = now();
  let opened = req;
  if (req.status === 'pending' && req.gate) {
    // A step after the appraisal opens only once its gate is open (the appraisal in, the results released).
    const gate = await releaseGate(req, at);
    if (!gate.released && gate.expire) return expireUnopened(requestId);
    if (!gate.released)
      return { requestId, outcome: 'waiting', wakeInSeconds: secondsUntil(gate.wakeAt, at) };
  }
  if (req.status === 'pending' && req.afterRequestId && !(await precedingSubmitted(req.afterRequestId))) {
    // The step this one follows was never done (no drafts to approve): nothing to ask for.
    return expireUnopened(requestId);
  }
  if (req.status === 'pending') {
    // A request opened outside the recipient's send hour (night, weekend) holds its email back: it
    // reaches them at their post time (domain/post.ts), the time postInvitation below posts it for.
    const inviteAt = req.sendWindow
      ? postTime(at, recipientWindow(req.sendWindow, req.recipientId, req.sendWindow.timeZone))
      : at;
    // Opened later than its phase planned (the steps before it took longer): its phase's days count from now.
    const late = req.sendWindow ? lateOpeningDeadline(req, inviteAt, req.sendWindow.timeZone) : undefined;
    // A reminder that would go in the same send hour as the invitation itself is noise: skipped too.
    const remindersSent = remindersAlreadyPast(
      { ...req, ...late },
      req.sendWindow ? addHours(inviteAt, 1) : inviteAt,
    );
    await db()
      .request.patch({ requestId })
      .set({
        status: 'open',
        openedAt: at.toISOString(),
        inviteAt: inviteAt.toISOString(),
        // With a send window the invitation is posted for inviteAt right below, in this step.
        ...(req.sendWindow ? { invitedAt: inviteAt.toISOString() } : {}),
        remindersSent,
        ...late,
      })
      .where((a, op) => op.eq(a.status, 'pending'))
      .go()
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
    opened = await load(requestId);
    const now2 = settled(opened);
    if (now2) return { requestId, outcome: now2, wakeInSeconds: 1 };
  }
  if (
    windowed(opened) &&
    opened.status === 'open' &&
    opened.inviteAt &&
    opened.invitedAt === opened.inviteAt
  ) {
    // Posted for the time the opening recorded, the letter itself proving it: a retried open
    // finds it there and posts nothing twice (domain/post.ts).
    await postLetter(
      {
        ...requestLetter(opened, undefined),
        postAt: new Date(opened.inviteAt),
      },
      at,
    );
  }
  if (!opened.invitedAt && windowed(opened)) {
    const postAt = await postInvitation(opened, at);
    if (postAt) opened = { ...opened, inviteAt: postAt.toISOString(), invitedAt: postAt.toISOString() };
    else opened = await load(requestId);
    const now3 = settled(opened);
    if (now3) return { requestId, outcome: now3, wakeInSeconds: 1 };
  }
  // Requests opened before send windows existed carry no inviteAt: their email goes at once.
  if (!opened.invitedAt && Date.parse(opened.inviteAt ?? at.toISOString()) <= at.getTime()) {
    await sendRequestEmail(opened, undefined);
    opened = { ...opened, invitedAt: at.toISOString() };
    await markInvited(requestId, at);
  }
  return wakeState(opened, at);
};

/** Records that the request's invitation went out, so no wake-up sends it again. */
export const markInvited = (requestId: string, at: Date) =>
  db()
    .request.patch({ requestId })
    .set({ invitedAt: at.toISOString() })
    .where((a, op) => op.eq(a.status, 'open'))
    .go()
    .catch((error: unknown) => {
      // Answered or closed meanwhile: the email went out, and nothing is left to schedule.
      if (!isConditionFailure(error)) throw error;
    });

/**
 * Parks the workflow on this request: stores the current task token (domain/wait-tokens.ts), then
 * reads the request. If it was settled in the meantime (answered between two loops), the task
 * completes at once with that outcome.
 */
export const armRequest = async (
  requestId: string,
  taskToken: string,
  endsReview?: { cycleId: string; employeeId: string },
): Promise<void> => {
  // The review's last step settling ends the review: it is counted for its cycle before the
  // workflow is let go (a retry counts it once).
  const end = async () => {
    if (endsReview) await endReview(endsReview.cycleId, endsReview.employeeId);
  };
  if (requestId === '') {
    await end();
    await resumeTask(taskToken, SKIPPED);
    return;
  }
  await storeToken(requestWait(requestId), taskToken);
  const req = await load(requestId);
  const outcome = settled(req);
  if (outcome) {
    // Settled between two loops (answered, expired): the wait completes at once with its outcome.
    await end();
    await resumeTask(taskToken, {
      requestId,
      outcome,
      ...goalDecisionOf(req.kind, req.response),
      ...(await finishWithAppraisal(req)),
    });
    return;
  }
  // A request waiting for its gate (the release) parks while still pending; released between the
  // open and this park, the release found no token to wake, so wake now.
  if (req.status === 'pending' && req.gate && (await isReleased(req)))
    await wakeTask(taskToken, 'results released');
};

/** A wake-up: remind, escalate or expire as the request's ladder says, then say when to wake next. */
export const wakeRequest = async (requestId: string): Promise<StepState> => {
  if (requestId === '') return SKIPPED;
  const req = await load(requestId);
  const done = settled(req);
  if (done) return { requestId, outcome: done, wakeInSeconds: 1 };
  // Not opened yet (waiting for the release): opening decides, as at the first attempt.
  if (req.status === 'pending') return openRequest(requestId);
  const at = now();
  const actions = dueActions(req, at);
  // The first email: held back to the send hour, or a reassignment's the reassign route could not send.
  if (windowed(req)) {
    if (actions.invite) await postInvitation(req, at);
    if (actions.reminder !== undefined) await postReminder(req, actions.reminder, actions.remindersSent, at);
    for (const index of actions.escalations) await postEscalation(req, index, at);
  } else {
    if (actions.invite) await sendRequestEmail(req, undefined);
    if (actions.reminder !== undefined) await sendRequestEmail(req, actions.reminder);
    for (const index of actions.escalations) await sendEscalation(req, index);
  }
  // A wake with nothing due (a group's member woken with its siblings) writes nothing: every write of
  // a request costs its whole size, and the arm that follows reads it afresh anyway.
  const unchanged =
    !actions.invite &&
    !actions.expire &&
    actions.remindersSent === req.remindersSent &&
    actions.escalationsSent === req.escalationsSent;
  try {
    if (!unchanged)
      await db()
        .request.patch({ requestId })
        .set({
          remindersSent: actions.remindersSent,
          escalationsSent: actions.escalationsSent,
          ...(actions.invite && !windowed(req) ? { invitedAt: at.toISOString() } : {}),
          ...(actions.expire ? { status: 'expired' as const } : {}),
        })
        .where((a, op) => op.eq(a.status, 'open'))
        .go();
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const latest = await load(requestId);
    return { requestId, outcome: settled(latest) ?? 'waiting', wakeInSeconds: 1 };
  }
  if (actions.expire) return { requestId, outcome: 'expired', wakeInSeconds: 1 };
  return wakeState(
    {
      ...req,
      remindersSent: actions.remindersSent,
      escalationsSent: actions.escalationsSent,
      ...(actions.invite ? { invitedAt: at.toISOString() } : {}),
    },
    at,
  );
};
