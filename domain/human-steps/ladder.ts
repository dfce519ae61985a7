import { personalSpreadSeconds } from '../mail/digest';
import { escalationTime, reminderTime } from '../platform/calendar';
import { addHours } from '../platform/clock';
import type { HumanRequest } from '../platform/table';

/*
 * The ladder a request climbs while nobody answers: its invitation, the reminders before its due
 * date, the escalations after it, its close. Pure, so every path is unit-tested without AWS.
 */

type Ladder = Pick<
  HumanRequest,
  'dueAt' | 'closeAt' | 'reminderHoursBefore' | 'escalations' | 'sendWindow' | 'inviteAt' | 'invitedAt'
> & { remindersAtOpen?: boolean | undefined };

/**
 * The moments a request wakes up at, derived from its due date, reminder ladder and escalation
 * policy. With a send window (cycles made from a template) each moment is a day in the recipient's
 * own calendar at the send hour, moved off quiet days; without one, the hours are taken as they are.
 */
export const timeline = (req: Ladder & { recipientId?: string }) => {
  // Every request to one person wakes at that person's point in the send hour, so that the
  // items they queue that morning meet at one send time (domain/mail/digest.ts).
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
  const { invite, escalations, closeAt, ...ladder } = timeline(req);
  // Reminders queued when the request opened (./digest-items.ts queueRemindersAhead) need no wake-up.
  const reminders = req.remindersAtOpen && req.sendWindow ? [] : ladder.reminders;
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
