/*
 * A calendar invitation (RFC 5545: one VCALENDAR with one VEVENT, METHOD:REQUEST) for the review
 * meeting. Times are written in UTC ("Z" form), which every calendar reads without a VTIMEZONE
 * block; the instant itself is chosen in the employee's zone by the caller. Lines end in CRLF and
 * are folded at 75 octets; text values are escaped, so a name with a comma or a newline cannot
 * break the event or inject a property.
 */

export type Party = { name: string; email: string };

export type MeetingInvite = {
  /** Stable per review, so every copy of the invitation (and any update) is one event. */
  uid: string;
  start: Date;
  durationMinutes: number;
  summary: string;
  description: string;
  organizer: Party;
  attendee: Party;
  /** When the invitation was made (DTSTAMP). */
  stamp: Date;
};

/** TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks. */
export const escapeText = (value: string): string =>
  value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');

/** A parameter value (the CN of a person): quoted, with the characters a quoted value cannot hold dropped. */
const paramValue = (value: string): string => `"${value.replace(/["\r\n]/g, '').replace(/[\\^]/g, '')}"`;

/** An address for a CAL-ADDRESS value: control characters and separators cannot appear in it. */
const mailto = (email: string): string => `mailto:${email.replace(/[\s;:,"\\]/g, '')}`;

/** UTC date-time form (RFC 5545 3.3.5, FORM #2). */
export const utcStamp = (at: Date): string =>
  at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** Folds a content line at 75 octets, never inside a UTF-8 sequence (RFC 5545 3.1). */
export const foldLine = (line: string): string => {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    // Continuation lines start with a space, which counts towards their 75 octets.
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
};

export const meetingIcs = (invite: MeetingInvite): string => {
  const end = new Date(invite.start.getTime() + invite.durationMinutes * 60_000);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//growcycle//review meeting//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    `UID:${escapeText(invite.uid)}`,
    `DTSTAMP:${utcStamp(invite.stamp)}`,
    `DTSTART:${utcStamp(invite.start)}`,
    `DTEND:${utcStamp(end)}`,
    'SEQUENCE:0',
    'STATUS:CONFIRMED',
    `SUMMARY:${escapeText(invite.summary)}`,
    `DESCRIPTION:${escapeText(invite.description)}`,
    `ORGANIZER;CN=${paramValue(invite.organizer.name)}:${mailto(invite.organizer.email)}`,
    `ATTENDEE;CN=${paramValue(invite.attendee.name)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:${mailto(invite.attendee.email)}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
};
