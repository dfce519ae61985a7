import { describe, expect, it } from 'vitest';
import { dueActions, remindersAlreadyPast, timeline } from '../../domain/human-steps/ladder';

/*
 * One request due Friday 14 March 2025, 17:00 UTC, closing a week later:
 *
 *   reminder 0 ..... Tue 11 Mar 17:00 (72 h before)
 *   reminder 1 ..... Thu 13 Mar 17:00 (24 h before)
 *   due ............ Fri 14 Mar 17:00
 *   escalation 0 ... Sat 15 Mar 17:00 (24 h after, manager)
 *   escalation 1 ... Mon 17 Mar 17:00 (72 h after, skip-level)
 *   close .......... Fri 21 Mar 17:00
 */
const DUE = '2025-03-14T17:00:00.000Z';
const request = {
  dueAt: DUE,
  closeAt: '2025-03-21T17:00:00.000Z',
  // Given in no particular order; the ladder runs from the earliest reminder.
  reminderHoursBefore: [24, 72],
  escalations: [
    { afterHours: 24, toId: 'emp-grace', role: 'manager' },
    { afterHours: 72, toId: 'emp-linus', role: 'skip-level manager' },
  ],
  remindersSent: 0,
  escalationsSent: 0,
};

const at = (iso: string): Date => new Date(iso);

describe('timeline', () => {
  it('lists reminders earliest first, whatever order their hours are given in', () => {
    // Prepare / Act
    const { reminders, escalations, closeAt } = timeline(request);

    // Assess
    expect(reminders).toEqual([at('2025-03-11T17:00:00Z'), at('2025-03-13T17:00:00Z')]);
    expect(escalations).toEqual([at('2025-03-15T17:00:00Z'), at('2025-03-17T17:00:00Z')]);
    expect(closeAt).toEqual(at('2025-03-21T17:00:00Z'));
  });
});

describe('dueActions', () => {
  it('does nothing before the first reminder and wakes at it', () => {
    // Act
    const actions = dueActions(request, at('2025-03-10T09:00:00Z'));

    // Assess
    expect(actions).toEqual({
      invite: false,
      reminder: undefined,
      remindersSent: 0,
      escalations: [],
      escalationsSent: 0,
      expire: false,
      nextWake: at('2025-03-11T17:00:00Z'),
    });
  });

  it('sends the first reminder at its time and then wakes at the second', () => {
    // Act
    const actions = dueActions(request, at('2025-03-11T17:00:00Z'));

    // Assess
    expect(actions.reminder).toBe(0);
    expect(actions.remindersSent).toBe(1);
    expect(actions.nextWake).toEqual(at('2025-03-13T17:00:00Z'));
  });

  it('leaves reminders queued at opening to the digest: no reminder to send, the first wake at the first escalation', () => {
    // Prepare
    const window = { timeZone: 'UTC', sendHour: 17, quietDays: [] };
    const queued = { ...request, sendWindow: window, remindersAtOpen: true };

    // Act
    const before = dueActions(queued, at('2025-03-10T09:00:00Z'));
    const atReminder = dueActions(queued, at('2025-03-13T17:00:00Z'));

    // Assess
    expect(before.nextWake).toEqual(at('2025-03-15T17:00:00Z'));
    expect(atReminder).toMatchObject({ reminder: undefined, remindersSent: 0 });
    // Without a send window there is no digest to queue them in: they are sent by wake-ups.
    expect(dueActions({ ...request, remindersAtOpen: true }, at('2025-03-10T09:00:00Z')).nextWake).toEqual(
      at('2025-03-11T17:00:00Z'),
    );
  });

  it('sends only the latest reminder when several were missed', () => {
    // Prepare: the request slept through both reminder times.
    const late = at('2025-03-14T09:00:00Z');

    // Act
    const actions = dueActions(request, late);

    // Assess
    expect(actions.reminder).toBe(1);
    expect(actions.remindersSent).toBe(2);
    expect(actions.escalations).toEqual([]);
    expect(actions.nextWake).toEqual(at('2025-03-15T17:00:00Z'));
  });

  it('sends no reminder that was already sent', () => {
    // Prepare
    const reminded = { ...request, remindersSent: 2 };

    // Act
    const actions = dueActions(reminded, at('2025-03-14T09:00:00Z'));

    // Assess
    expect(actions.reminder).toBeUndefined();
    expect(actions.remindersSent).toBe(2);
  });

  it('sends every escalation that fell due, in the order of the policy', () => {
    // Prepare
    const reminded = { ...request, remindersSent: 2 };

    // Act
    const actions = dueActions(reminded, at('2025-03-18T09:00:00Z'));

    // Assess
    expect(actions.escalations).toEqual([0, 1]);
    expect(actions.escalationsSent).toBe(2);
    expect(actions.nextWake).toEqual(at('2025-03-21T17:00:00Z'));
  });

  it('sends only the escalations not yet sent', () => {
    // Prepare
    const escalatedOnce = { ...request, remindersSent: 2, escalationsSent: 1 };

    // Act
    const actions = dueActions(escalatedOnce, at('2025-03-18T09:00:00Z'));

    // Assess
    expect(actions.escalations).toEqual([1]);
    expect(actions.escalationsSent).toBe(2);
  });

  it('sends no reminder once an escalation has gone out', () => {
    // Prepare: reminders were missed and the first escalation is due now.
    const missedReminders = at('2025-03-15T17:00:00Z');

    // Act
    const actions = dueActions(request, missedReminders);

    // Assess
    expect(actions.escalations).toEqual([0]);
    expect(actions.reminder).toBeUndefined();
    expect(actions.remindersSent).toBe(2);
  });

  it('sends no reminder after an earlier escalation, even one whose reminder was never recorded', () => {
    // Prepare: an escalation went out on an earlier wake-up; a reminder is still on the books.
    const escalated = { ...request, remindersSent: 1, escalationsSent: 1 };

    // Act
    const actions = dueActions(escalated, at('2025-03-16T09:00:00Z'));

    // Assess
    expect(actions.reminder).toBeUndefined();
    expect(actions.escalations).toEqual([]);
  });

  it('keeps the request open until just before the close date', () => {
    // Act
    const actions = dueActions(
      { ...request, remindersSent: 2, escalationsSent: 2 },
      at('2025-03-21T16:59:59Z'),
    );

    // Assess
    expect(actions.expire).toBe(false);
    expect(actions.nextWake).toEqual(at('2025-03-21T17:00:00Z'));
  });

  it('expires the request at the close date and plans no further wake-up', () => {
    // Act
    const actions = dueActions(
      { ...request, remindersSent: 2, escalationsSent: 2 },
      at('2025-03-21T17:00:00Z'),
    );

    // Assess
    expect(actions.expire).toBe(true);
    expect(actions.nextWake).toBeUndefined();
  });

  it('wakes at the earliest upcoming event, even when the close date comes before the next escalation', () => {
    // Prepare: closes two days after the due date, before the 72-hour escalation.
    const shortWindow = {
      ...request,
      closeAt: '2025-03-16T17:00:00.000Z',
      remindersSent: 2,
      escalationsSent: 1,
    };

    // Act
    const actions = dueActions(shortWindow, at('2025-03-15T18:00:00Z'));

    // Assess
    expect(actions.nextWake).toEqual(at('2025-03-16T17:00:00Z'));
  });

  it('moves every event when the due date is extended', () => {
    // Prepare: the deadline moves two days later; both reminders were sent on the old ladder.
    const sent = { ...request, remindersSent: 2 };
    const extended = { ...sent, dueAt: '2025-03-16T17:00:00.000Z' };
    const oldFirstEscalation = at('2025-03-15T17:00:00Z');

    // Act
    const before = dueActions(sent, oldFirstEscalation);
    const after = dueActions(extended, oldFirstEscalation);

    // Assess
    expect(before.escalations).toEqual([0]);
    expect(after.escalations).toEqual([]);
    expect(after.nextWake).toEqual(at('2025-03-17T17:00:00Z'));
  });
});

describe('remindersAlreadyPast', () => {
  it('counts none when the request opens before its first reminder', () => {
    expect(remindersAlreadyPast(request, at('2025-03-10T09:00:00Z'))).toBe(0);
  });

  it('counts the reminders whose time passed before the request opened', () => {
    expect(remindersAlreadyPast(request, at('2025-03-12T09:00:00Z'))).toBe(1);
    expect(remindersAlreadyPast(request, at('2025-03-14T09:00:00Z'))).toBe(2);
  });

  it('lets a late-opened request send only the reminders still ahead of it', () => {
    // Prepare: opened after the first reminder's time, so that one is skipped, not sent in a burst.
    const opened = { ...request, remindersSent: remindersAlreadyPast(request, at('2025-03-12T09:00:00Z')) };

    // Act
    const firstWake = dueActions(opened, at('2025-03-12T09:00:00Z'));
    const secondWake = dueActions(opened, at('2025-03-13T17:00:00Z'));

    // Assess
    expect(firstWake.reminder).toBeUndefined();
    expect(firstWake.nextWake).toEqual(at('2025-03-13T17:00:00Z'));
    expect(secondWake.reminder).toBe(1);
  });
});

describe('a request with a send window (a cycle made from a template)', () => {
  /*
   * Peer feedback for someone in New York, due Wednesday 13 January 2027 (end of day there), opened
   * Saturday 9 January at 08:00 UTC (03:00 in New York), send hour 09:00, quiet on weekends:
   *
   *   invitation ..... Mon 11 Jan 09:00 EST (held back over the weekend)
   *   reminder 0 ..... Sun 10 Jan would be 3 days before: moved to Fri 8 Jan, so already past
   *   reminder 1 ..... Tue 12 Jan 09:00 EST (1 day before)
   *   due ............ Wed 13 Jan 23:59:59 EST
   *   escalation 0 ... Thu 14 Jan 09:00 EST (0 days after: the next working morning)
   *   escalation 1 ... Mon 18 Jan 09:00 EST (3 days after is Saturday)
   */
  const windowed = {
    dueAt: '2027-01-14T04:59:59.000Z',
    closeAt: '2027-01-21T04:59:59.000Z',
    reminderHoursBefore: [72, 24],
    escalations: [
      { afterHours: 0, toId: 'mgr', role: 'their manager' },
      { afterHours: 72, toId: 'hr', role: 'HR' },
    ],
    sendWindow: { timeZone: 'America/New_York', sendHour: 9, quietDays: ['Sat', 'Sun'] },
    remindersSent: 0,
    escalationsSent: 0,
  };
  const opened = at('2027-01-09T08:00:00Z');

  it('puts every email at the recipient’s send hour on a working day', () => {
    const { reminders, escalations } = timeline(windowed);
    expect(reminders).toEqual([at('2027-01-08T14:00:00Z'), at('2027-01-12T14:00:00Z')]);
    expect(escalations).toEqual([at('2027-01-14T14:00:00Z'), at('2027-01-18T14:00:00Z')]);
  });

  it('holds the first email back until the send hour and skips a reminder already past by then', () => {
    // Prepare: what openRequest records at a weekend opening.
    const inviteAt = '2027-01-11T14:00:00.000Z';
    const req = { ...windowed, inviteAt, remindersSent: remindersAlreadyPast(windowed, at(inviteAt)) };

    // Act
    const atOpening = dueActions(req, opened);
    const atSendHour = dueActions(req, at(inviteAt));

    // Assess
    expect(req.remindersSent).toBe(1);
    expect(atOpening.invite).toBe(false);
    expect(atOpening.nextWake).toEqual(at(inviteAt));
    expect(atSendHour.invite).toBe(true);
    expect(atSendHour.reminder).toBeUndefined();
    expect(atSendHour.nextWake).toEqual(at('2027-01-12T14:00:00Z'));
  });

  it('never invites twice: once invited, the next wake-up is the reminder', () => {
    const req = {
      ...windowed,
      inviteAt: '2027-01-11T14:00:00.000Z',
      invitedAt: '2027-01-11T14:00:00.000Z',
      remindersSent: 1,
    };
    const actions = dueActions(req, at('2027-01-12T14:00:00Z'));
    expect(actions.invite).toBe(false);
    expect(actions.reminder).toBe(1);
    expect(actions.nextWake).toEqual(at('2027-01-14T14:00:00Z'));
  });
});
