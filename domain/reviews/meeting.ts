import type { CyclePolicy } from '../cycles/policy';
import type { CalendarInvite } from '../human-steps/kinds';
import { meetingInvitationEmail } from '../mail/compose';
import { meetingIcs } from '../mail/ics';
import { sendOnce } from '../mail/send';
import { employeeById } from '../people/org';
import { localDay, nextSendSlot, zonedTime } from '../platform/calendar';
import { addDays } from '../platform/clock';
import { config } from '../platform/config';
import { stableId } from '../platform/ids';
import { db, type Employee, type HumanRequest, type Review } from '../platform/table';

/*
 * The review meeting: its time in the employee's calendar, its calendar invitation, and when it was
 * recorded as held.
 */

const MEETING_MINUTES = 60;

/** The meeting: the meeting day's send hour in the employee's zone, moved to a working day. */
export const meetingTime = (
  startAt: string,
  days: number,
  policy: Pick<CyclePolicy, 'sendHour' | 'quietDays'>,
  timeZone: string,
): Date => {
  const day = localDay(addDays(startAt, days), timeZone);
  return nextSendSlot(zonedTime(day, 0, 0, 0, timeZone), {
    timeZone,
    sendHour: policy.sendHour,
    quietDays: policy.quietDays,
  });
};

/** When the review meeting was recorded as held: the answer to its request. */
export const meetingHeldAt = async (
  review: Pick<Review, 'meetingRequestId'>,
): Promise<string | undefined> => {
  if (!review.meetingRequestId) return undefined;
  const meeting = (await db().request.get({ requestId: review.meetingRequestId }).go()).data;
  return meeting?.status === 'submitted' ? meeting.submittedAt : undefined;
};

/**
 * The review meeting's calendar invitation: one event per review (stable UID), at the meeting day's
 * send hour in the employee's zone, organised by the manager with the employee attending. The
 * manager's copy goes with their request email; the employee gets an email of their own.
 */
export const meetingInvite = async (req: HumanRequest): Promise<CalendarInvite | undefined> => {
  if (!req.meetingAt || !req.cycleId) return undefined;
  const [employee, manager, cycle] = await Promise.all([
    employeeById(req.subjectId),
    employeeById(req.recipientId),
    db().cycle.get({ cycleId: req.cycleId }).go(),
  ]);
  if (!employee) return undefined;
  const organizer = manager
    ? { name: manager.name, email: manager.email }
    : { name: 'HR team', email: config.hrAddress };
  const cycleName = cycle.data?.name ?? 'review';
  const ics = meetingIcs({
    uid: `${stableId(req.cycleId, req.subjectId, 'meeting')}@growcycle`,
    start: new Date(req.meetingAt),
    durationMinutes: MEETING_MINUTES,
    summary: `Review meeting: ${employee.name} and ${organizer.name} (${cycleName})`,
    description: `The review meeting of ${cycleName}: the appraisal, the gap analysis and the development plan.`,
    organizer,
    attendee: { name: employee.name, email: employee.email },
    stamp: new Date(req.createdAt),
  });
  return {
    ics,
    fileStem: 'review-meeting',
    sendAttendeeCopy: () => sendEmployeeInvitation(req, ics, employee),
  };
};

/** Sends the employee's copy of the meeting invitation, once. */
const sendEmployeeInvitation = async (req: HumanRequest, ics: string, employee: Employee) => {
  const manager = await employeeById(req.recipientId);
  const cycleName = req.cycleId
    ? (await db().cycle.get({ cycleId: req.cycleId }).go()).data?.name
    : undefined;
  await sendOnce({
    key: `${req.requestId}#invitation`,
    kind: 'review-meeting.invitation',
    toId: employee.employeeId,
    toAddress: employee.email,
    requestId: req.requestId,
    email: meetingInvitationEmail({
      recipientName: employee.name,
      otherName: manager?.name ?? 'HR',
      cycleName,
      meetingAt: req.meetingAt ?? req.dueAt,
      timeZone: employee.timeZone,
      ics,
    }),
  });
};
