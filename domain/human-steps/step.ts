import { queueItem, recipientWindow, sendTime } from '../mail/digest';
import { lateOpeningDeadline } from '../platform/calendar';
import { addHours, now, secondsUntil } from '../platform/clock';
import { resumeTask, wakeTask } from '../platform/executions';
import { feedbackExecution, planExecution, planItemExecution, reviewExecution } from '../platform/ids';
import { logger } from '../platform/logger';
import { db, type HumanRequest, ignoreConditionFailure, isConditionFailure } from '../platform/table';
import { requestWait, storeToken } from '../platform/wait-tokens';
import {
  queueEscalation,
  queueInvitation,
  queueReminder,
  queueRemindersAhead,
  requestItem,
  windowed,
} from './digest-items';
import { sendEscalation, sendRequestEmail } from './emails';
import { kindOf, type StepKinds } from './kinds';
import { dueActions, remindersAlreadyPast } from './ladder';

/*
 * A human step (a self-assessment, a peer's feedback, a manager's appraisal, an action item) waits
 * for "done or the next wake-up, whichever comes first". The workflow opens the request, then parks
 * on a .waitForTaskToken task whose timeout is the time to the next wake-up; the token is kept beside
 * the request (domain/platform/wait-tokens.ts) and replaced on every loop, so the link in the email,
 * which names the request id, never breaks. On a wake-up the request is read afresh, so an extended
 * deadline takes effect then. What a kind adds (a gate, a calendar file, what its settling tells the
 * workflow) comes from the kinds table the caller hands over (./kinds.ts).
 */

export type Outcome = 'waiting' | 'submitted' | 'expired';

export type StepState = { requestId: string; outcome: Outcome; wakeInSeconds: number };

type RequestIds = Pick<HumanRequest, 'requestId' | 'subjectId' | 'cycleId' | 'planId' | 'itemId' | 'askId'>;

/**
 * The execution that waits on a request, by the names its starters give (domain/platform/ids.ts):
 * the review of its subject in its cycle, its plan item's, its plan's (check-ins, the agreement), or
 * its request for feedback's.
 */
export const executionOfRequest = (req: RequestIds): string | undefined =>
  req.cycleId
    ? reviewExecution(req.cycleId, req.subjectId)
    : req.planId && req.itemId
      ? planItemExecution(req.planId, req.itemId)
      : req.planId
        ? planExecution(req.planId)
        : req.askId
          ? feedbackExecution(req.askId)
          : undefined;

/**
 * The cycle, employee (whom the request is about), plan and item (or request for feedback) a
 * request concerns, the execution waiting on it, and with `requestId` the request itself, on every
 * line the invocation logs from here on.
 */
export const aboutRequest = (req: RequestIds, withRequestId = true): void =>
  logger.about({
    cycleId: req.cycleId,
    employeeId: req.subjectId,
    planId: req.planId,
    itemId: req.itemId,
    askId: req.askId,
    executionName: executionOfRequest(req),
    ...(withRequestId ? { requestId: req.requestId } : {}),
  });

const load = async (requestId: string): Promise<HumanRequest> => {
  const found = (await db().request.get({ requestId }).go({ consistent: true })).data;
  if (!found) throw new Error(`Request ${requestId} not found`);
  // Without the request id: a group opens its members side by side in one invocation.
  aboutRequest(found, false);
  return found;
};

const settled = (req: HumanRequest): Outcome | undefined =>
  req.status === 'submitted' ? 'submitted' : req.status === 'expired' ? 'expired' : undefined;

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
    .catch(ignoreConditionFailure);
  return { requestId, outcome: settled(await load(requestId)) ?? 'expired', wakeInSeconds: 1 };
};

/** Closes a request unanswered, whether opened or not; one answered meanwhile stays answered. */
export const closeUnanswered = (requestId: string): Promise<void> =>
  db()
    .request.patch({ requestId })
    .set({ status: 'expired' })
    .where((a, op) => `${op.eq(a.status, 'open')} OR ${op.eq(a.status, 'pending')}`)
    .go()
    .then(() => undefined)
    .catch(ignoreConditionFailure);

/** A request no longer wanted (./kinds.ts withdrawn): closed unanswered, without an email. */
const expireWithdrawn = async (requestId: string): Promise<StepState> => {
  await closeUnanswered(requestId);
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
export const openRequest = async (kinds: StepKinds, requestId: string): Promise<StepState> => {
  if (requestId === '') return SKIPPED;
  const req = await load(requestId);
  const done = settled(req);
  if (done) return { requestId, outcome: done, wakeInSeconds: 1 };
  if (await kindOf(kinds, req.kind).withdrawn?.(req)) return expireWithdrawn(requestId);
  const at = now();
  let opened = req;
  if (req.status === 'pending' && req.gate) {
    // A step behind a gate opens only once it is open (the appraisal in, the results released).
    const gate = (await kindOf(kinds, req.kind).gate?.(req, at)) ?? { open: true };
    if (!gate.open && gate.expire) return expireUnopened(requestId);
    if (!gate.open) return { requestId, outcome: 'waiting', wakeInSeconds: secondsUntil(gate.wakeAt, at) };
  }
  if (req.status === 'pending' && req.afterRequestId && !(await precedingSubmitted(req.afterRequestId))) {
    // The step this one follows was never done (no drafts to approve): nothing to ask for.
    return expireUnopened(requestId);
  }
  if (req.status === 'pending') {
    // A request opened outside the recipient's send hour (night, weekend) holds its email back: it
    // reaches them at their send time (domain/mail/digest.ts), the time it is queued for below.
    const inviteAt = req.sendWindow
      ? sendTime(at, recipientWindow(req.sendWindow, req.recipientId, req.sendWindow.timeZone))
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
        // With a send window the invitation is queued for inviteAt right below, in this step.
        ...(req.sendWindow ? { invitedAt: inviteAt.toISOString() } : {}),
        remindersSent,
        ...late,
      })
      .where((a, op) => op.eq(a.status, 'pending'))
      .go()
      .catch(ignoreConditionFailure);
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
    // Queued for the time the opening recorded, the item itself proving it: a retried open finds it
    // there and queues nothing twice (domain/mail/digest.ts).
    await queueItem({ ...requestItem(opened, undefined), sendAt: new Date(opened.inviteAt) }, at);
  }
  if (!opened.invitedAt && windowed(opened)) {
    const sendAt = await queueInvitation(opened, at);
    if (sendAt) opened = { ...opened, inviteAt: sendAt.toISOString(), invitedAt: sendAt.toISOString() };
    else opened = await load(requestId);
    const now3 = settled(opened);
    if (now3) return { requestId, outcome: now3, wakeInSeconds: 1 };
  }
  if (windowed(opened) && opened.status === 'open' && opened.remindersAtOpen)
    await queueRemindersAhead(opened, at);
  // Without a send window the invitation goes at once.
  if (!windowed(opened) && !opened.invitedAt) {
    await sendRequestEmail(kinds, opened, undefined);
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
 * Parks the workflow on this request: stores the current task token (domain/platform/wait-tokens.ts),
 * then reads the request. If it was settled in the meantime (answered between two loops), the task
 * completes at once with that outcome. `onSettled` runs before the workflow is let go, when the
 * request is settled or skipped (a review's last step ends the review there); it must be safe to repeat.
 */
export const armRequest = async (
  kinds: StepKinds,
  requestId: string,
  taskToken: string,
  onSettled: () => Promise<void> = async () => undefined,
): Promise<void> => {
  if (requestId === '') {
    await onSettled();
    await resumeTask(taskToken, SKIPPED);
    return;
  }
  await storeToken(requestWait(requestId), taskToken);
  const req = await load(requestId);
  const outcome = settled(req);
  if (outcome) {
    // Settled between two loops (answered, expired): the wait completes at once with its outcome.
    await onSettled();
    const told = (await kindOf(kinds, req.kind).settled?.(req, req.answer)) ?? {};
    await resumeTask(taskToken, { requestId, outcome, ...told });
    return;
  }
  // A request waiting for its gate parks while still pending; opened between the open and this
  // park, whoever opened it found no token to wake, so wake now.
  if (req.status === 'pending' && req.gate && (await kindOf(kinds, req.kind).gateOpened?.(req)))
    await wakeTask(taskToken, 'gate opened');
};

/** A wake-up: remind, escalate or expire as the request's ladder says, then say when to wake next. */
export const wakeRequest = async (kinds: StepKinds, requestId: string): Promise<StepState> => {
  if (requestId === '') return SKIPPED;
  const req = await load(requestId);
  const done = settled(req);
  if (done) return { requestId, outcome: done, wakeInSeconds: 1 };
  // Not opened yet (waiting for its gate): opening decides, as at the first attempt.
  if (req.status === 'pending') return openRequest(kinds, requestId);
  if (await kindOf(kinds, req.kind).withdrawn?.(req)) return expireWithdrawn(requestId);
  const at = now();
  const actions = dueActions(req, at);
  // The first email: held back to the send hour, or a reassignment's the reassign route could not send.
  if (windowed(req)) {
    if (actions.invite) await queueInvitation(req, at);
    if (actions.reminder !== undefined) await queueReminder(req, actions.reminder, actions.remindersSent, at);
    for (const index of actions.escalations) await queueEscalation(req, index, at);
  } else {
    if (actions.invite) await sendRequestEmail(kinds, req, undefined);
    if (actions.reminder !== undefined) await sendRequestEmail(kinds, req, actions.reminder);
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
