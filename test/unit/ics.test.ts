import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, meetingIcs, utcStamp } from '../../domain/mail/ics';
import type { Weekday } from '../../domain/platform/calendar';
import { meetingTime } from '../../domain/reviews/meeting';

const invite = {
  uid: 'review-123@growcycle',
  start: new Date('2027-01-22T08:00:00Z'),
  durationMinutes: 60,
  summary: 'Review meeting: Ola Haugen and Ingrid Berg',
  description: 'Agenda',
  organizer: { name: 'Ingrid Berg', email: 'ingrid@example.com' },
  attendee: { name: 'Ola Haugen', email: 'ola@example.com' },
  stamp: new Date('2027-01-04T08:00:00Z'),
};

const unfold = (ics: string) => ics.replace(/\r\n /g, '');
const property = (ics: string, name: string) =>
  unfold(ics)
    .split('\r\n')
    .find((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));

describe('meetingIcs', () => {
  it('is one VEVENT in a VCALENDAR with METHOD:REQUEST, CRLF line ends and the stable UID', () => {
    const ics = meetingIcs(invite);
    expect(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(ics.endsWith('END:VEVENT\r\nEND:VCALENDAR\r\n')).toBe(true);
    expect(ics.match(/BEGIN:VEVENT/g)).toHaveLength(1);
    expect(ics).toContain('METHOD:REQUEST\r\n');
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(property(ics, 'UID')).toBe('UID:review-123@growcycle');
    expect(meetingIcs({ ...invite, stamp: new Date() })).toContain('UID:review-123@growcycle');
  });

  it('writes start and end in UTC, an hour apart, and names the manager as organizer and the employee as attendee', () => {
    const ics = meetingIcs(invite);
    expect(property(ics, 'DTSTART')).toBe('DTSTART:20270122T080000Z');
    expect(property(ics, 'DTEND')).toBe('DTEND:20270122T090000Z');
    expect(property(ics, 'DTSTAMP')).toBe('DTSTAMP:20270104T080000Z');
    expect(property(ics, 'ORGANIZER')).toBe('ORGANIZER;CN="Ingrid Berg":mailto:ingrid@example.com');
    expect(property(ics, 'ATTENDEE')).toBe(
      'ATTENDEE;CN="Ola Haugen";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ola@example.com',
    );
  });

  it('escapes commas, semicolons, backslashes and newlines in text so they cannot add a property', () => {
    const ics = meetingIcs({
      ...invite,
      summary: 'Review; Smith, Jo \\ team',
      description: 'Line one\nATTENDEE:mailto:evil@example.com',
    });
    expect(property(ics, 'SUMMARY')).toBe('SUMMARY:Review\\; Smith\\, Jo \\\\ team');
    expect(property(ics, 'DESCRIPTION')).toBe('DESCRIPTION:Line one\\nATTENDEE:mailto:evil@example.com');
    expect(
      unfold(ics)
        .split('\r\n')
        .filter((l) => l.startsWith('ATTENDEE')),
    ).toHaveLength(1);
  });

  it('keeps quotes and line breaks out of a name in a parameter', () => {
    const ics = meetingIcs({
      ...invite,
      attendee: { name: 'Ola "O"\r\nX-EVIL:1', email: 'ola@example.com' },
    });
    expect(property(ics, 'ATTENDEE')).toContain('CN="Ola OX-EVIL:1";');
    expect(unfold(ics)).not.toContain('\r\nX-EVIL');
  });
});

describe('escapeText and foldLine', () => {
  it('escapes each special character once', () => {
    expect(escapeText('a,b;c\\d\r\ne')).toBe('a\\,b\\;c\\\\d\\ne');
  });

  it('folds long lines at 75 octets without splitting a multi-byte character', () => {
    const line = `SUMMARY:${'Ærlig tilbakemelding '.repeat(10)}`;
    const folded = foldLine(line);
    for (const part of folded.split('\r\n')) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(75);
    expect(folded.replace(/\r\n /g, '')).toBe(line);
    expect(folded).not.toContain('\uFFFD');
  });

  it('formats UTC stamps without separators or milliseconds', () => {
    expect(utcStamp(new Date('2027-03-28T01:02:03.456Z'))).toBe('20270328T010203Z');
  });
});

describe('meetingTime', () => {
  const policy = { sendHour: 9, quietDays: ['Sat', 'Sun'] as Weekday[] };

  it('is the meeting day at the send hour in the employee’s zone: 08:00 UTC in Oslo in winter, 14:00 in New York', () => {
    expect(meetingTime('2027-01-04T08:00:00Z', 18, policy, 'Europe/Oslo').toISOString()).toBe(
      '2027-01-22T08:00:00.000Z',
    );
    expect(meetingTime('2027-01-04T08:00:00Z', 18, policy, 'America/New_York').toISOString()).toBe(
      '2027-01-22T14:00:00.000Z',
    );
  });

  it('follows daylight saving time: 07:00 UTC in Oslo in summer', () => {
    expect(meetingTime('2027-06-01T08:00:00Z', 3, policy, 'Europe/Oslo').toISOString()).toBe(
      '2027-06-04T07:00:00.000Z',
    );
  });

  it('moves a meeting that falls on a quiet day to the next working day', () => {
    // Start Monday 4 January + 19 days = Saturday 23 January: the meeting is on Monday 25.
    expect(meetingTime('2027-01-04T08:00:00Z', 19, policy, 'Europe/Oslo').toISOString()).toBe(
      '2027-01-25T08:00:00.000Z',
    );
  });
});
