import { describe, expect, it } from 'vitest';
import {
  addLocalDays,
  escalationTime,
  lateOpeningDeadline,
  localDay,
  localDeadline,
  nextSendSlot,
  reminderTime,
  type SendWindow,
  spreadWithinHour,
  weekdayOf,
  zonedTime,
} from '../../domain/platform/calendar';

const at = (iso: string) => new Date(iso);
const oslo: SendWindow = { timeZone: 'Europe/Oslo', sendHour: 9, quietDays: ['Sat', 'Sun'] };
const newYork: SendWindow = { timeZone: 'America/New_York', sendHour: 9, quietDays: ['Sat', 'Sun'] };
// A Sunday-to-Thursday working week.
const dubai: SendWindow = { timeZone: 'Asia/Dubai', sendHour: 8, quietDays: ['Fri', 'Sat'] };

describe('wall-clock arithmetic', () => {
  it('finds the instant of a local time on both sides of a daylight-saving change', () => {
    // Oslo moves from UTC+1 to UTC+2 on Sunday 28 March 2027.
    expect(zonedTime('2027-03-27', 9, 0, 0, 'Europe/Oslo')).toEqual(at('2027-03-27T08:00:00Z'));
    expect(zonedTime('2027-03-29', 9, 0, 0, 'Europe/Oslo')).toEqual(at('2027-03-29T07:00:00Z'));
    // New York moves from UTC-5 to UTC-4 on Sunday 14 March 2027.
    expect(zonedTime('2027-03-12', 23, 59, 59, 'America/New_York')).toEqual(at('2027-03-13T04:59:59Z'));
    expect(zonedTime('2027-03-15', 23, 59, 59, 'America/New_York')).toEqual(at('2027-03-16T03:59:59Z'));
  });

  it('reads the calendar day an instant falls on in each zone', () => {
    const instant = at('2027-01-04T23:30:00Z');
    expect(localDay(instant, 'Europe/Oslo')).toBe('2027-01-05');
    expect(localDay(instant, 'America/New_York')).toBe('2027-01-04');
    expect(localDay(instant, 'Asia/Tokyo')).toBe('2027-01-05');
  });

  it('adds days across month and year ends and names the weekday', () => {
    expect(addLocalDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(addLocalDays('2027-03-01', -1)).toBe('2027-02-28');
    expect(weekdayOf('2027-01-04')).toBe('Mon');
    expect(weekdayOf('2027-01-10')).toBe('Sun');
  });
});

describe('deadlines in the person’s own time zone', () => {
  it('ends the day the cycle’s deadline falls on, in each person’s zone', () => {
    const cycleDeadline = at('2027-01-11T08:00:00Z');
    expect(localDeadline(cycleDeadline, 'Europe/Oslo')).toEqual(at('2027-01-11T22:59:59Z'));
    expect(localDeadline(cycleDeadline, 'America/New_York')).toEqual(at('2027-01-12T04:59:59Z'));
    expect(localDeadline(cycleDeadline, 'Pacific/Auckland')).toEqual(at('2027-01-11T10:59:59Z'));
  });
});

describe('send slots', () => {
  it('sends at once within the send hour of a working day', () => {
    const t = at('2027-01-04T08:30:00Z'); // Monday 09:30 in Oslo
    expect(nextSendSlot(t, oslo)).toEqual(t);
  });

  it('waits for the send hour when it is earlier in the day', () => {
    // Monday 08:00 UTC is 03:00 in New York: the email waits until 09:00 there.
    expect(nextSendSlot(at('2027-01-04T08:00:00Z'), newYork)).toEqual(at('2027-01-04T14:00:00Z'));
  });

  it('moves past the send hour to the next working day, skipping the weekend', () => {
    // Friday 15:00 in Oslo: next is Monday 09:00.
    expect(nextSendSlot(at('2027-01-08T14:00:00Z'), oslo)).toEqual(at('2027-01-11T08:00:00Z'));
    // Saturday morning at the send hour is still a quiet day.
    expect(nextSendSlot(at('2027-01-09T08:15:00Z'), oslo)).toEqual(at('2027-01-11T08:00:00Z'));
  });

  it('follows the template’s quiet days, not a fixed weekend', () => {
    // Friday 07:00 in Dubai is quiet there; Sunday is a working day.
    expect(nextSendSlot(at('2027-01-08T03:00:00Z'), dubai)).toEqual(at('2027-01-10T04:00:00Z'));
  });
});

describe('reminder and escalation times', () => {
  // Due Wednesday 13 January 2027, end of day in Oslo.
  const due = localDeadline(at('2027-01-13T12:00:00Z'), 'Europe/Oslo');

  it('reminds at the send hour of the day, N days before the due date', () => {
    expect(reminderTime(due, 0, oslo)).toEqual(at('2027-01-13T08:00:00Z'));
    expect(reminderTime(due, 1, oslo)).toEqual(at('2027-01-12T08:00:00Z'));
  });

  it('moves a reminder that falls on a quiet day earlier, never after the day it announces', () => {
    // Three days before Wednesday is Sunday: the reminder goes on Friday.
    expect(reminderTime(due, 3, oslo)).toEqual(at('2027-01-08T08:00:00Z'));
  });

  it('escalates only once the deadline has passed, on working days', () => {
    // Zero days after: the next working morning, Thursday.
    expect(escalationTime(due, 0, oslo)).toEqual(at('2027-01-14T08:00:00Z'));
    expect(escalationTime(due, 2, oslo)).toEqual(at('2027-01-15T08:00:00Z'));
    // Three days after is Saturday: Monday instead.
    expect(escalationTime(due, 3, oslo)).toEqual(at('2027-01-18T08:00:00Z'));
  });
});

describe('spreading a cycle over the send hour', () => {
  const spread: SendWindow = { ...oslo, spreadSeconds: 1234 };

  it('puts held-back, reminder and escalation emails at the request’s own point of the hour', () => {
    const due = localDeadline(at('2027-01-13T12:00:00Z'), 'Europe/Oslo');
    expect(nextSendSlot(at('2027-01-09T08:15:00Z'), spread)).toEqual(at('2027-01-11T08:20:34Z'));
    expect(reminderTime(due, 1, spread)).toEqual(at('2027-01-12T08:20:34Z'));
    expect(escalationTime(due, 0, spread)).toEqual(at('2027-01-14T08:20:34Z'));
  });

  it('still sends at once within the send hour, before or after the request’s point', () => {
    expect(nextSendSlot(at('2027-01-04T08:05:00Z'), spread)).toEqual(at('2027-01-04T08:05:00Z'));
  });

  it('gives each request a fixed point, different between requests', () => {
    expect(spreadWithinHour('request-a')).toBe(spreadWithinHour('request-a'));
    expect(spreadWithinHour('request-a')).not.toBe(spreadWithinHour('request-b'));
    expect(spreadWithinHour('request-a')).toBeGreaterThanOrEqual(0);
    expect(spreadWithinHour('request-a')).toBeLessThan(3600);
  });
});

describe('a fair deadline for a request that opens late', () => {
  // Planned to open on Thursday 4 March with four days to answer: due Monday 8 March, closing Tuesday 9.
  const planned = {
    dueAt: '2027-03-08T22:59:59.000Z',
    closeAt: '2027-03-09T22:59:59.000Z',
    phaseDays: 4,
  };

  it('keeps the due date of a request that opens on time, or before its phase’s days began', () => {
    expect(lateOpeningDeadline(planned, at('2027-03-04T08:00:00Z'), 'Europe/Oslo')).toBeUndefined();
    expect(lateOpeningDeadline(planned, at('2027-03-01T08:00:00Z'), 'Europe/Oslo')).toBeUndefined();
    // Opened a few hours late on the same day: the four days still end on Monday.
    expect(lateOpeningDeadline(planned, at('2027-03-04T20:00:00Z'), 'Europe/Oslo')).toBeUndefined();
  });

  it('gives a request opened late its phase’s days from the opening, at the end of the local day, the close moved alike', () => {
    // Opened on Saturday 6 March at 09:00 in Oslo: four days later is Wednesday 10 March.
    expect(lateOpeningDeadline(planned, at('2027-03-06T08:00:00Z'), 'Europe/Oslo')).toEqual({
      dueAt: '2027-03-10T22:59:59.000Z',
      closeAt: '2027-03-11T22:59:59.000Z',
    });
  });

  it('counts the days in the recipient’s zone, across a daylight-saving change', () => {
    // New York: opened Thursday 11 March at 09:00 (UTC-5); four days later is Monday 15 March, by
    // then UTC-4, so the day ends at 03:59:59 UTC, and the close (a day later) too.
    const ny = { dueAt: '2027-03-09T04:59:59.000Z', closeAt: '2027-03-10T04:59:59.000Z', phaseDays: 4 };
    expect(lateOpeningDeadline(ny, at('2027-03-11T14:00:00Z'), 'America/New_York')).toEqual({
      dueAt: '2027-03-16T03:59:59.000Z',
      closeAt: '2027-03-17T03:59:59.000Z',
    });
  });

  it('leaves alone a request without its phase’s days (no goal setting before it), and never moves a due date earlier', () => {
    const { phaseDays: _none, ...withoutDays } = planned;
    expect(lateOpeningDeadline(withoutDays, at('2027-03-20T08:00:00Z'), 'Europe/Oslo')).toBeUndefined();
    // HR extended it to Friday 19 March: a late opening with four days (Wednesday 10) keeps Friday.
    const extended = { ...planned, dueAt: '2027-03-19T22:59:59.000Z', closeAt: '2027-03-20T22:59:59.000Z' };
    expect(lateOpeningDeadline(extended, at('2027-03-06T08:00:00Z'), 'Europe/Oslo')).toBeUndefined();
  });
});
