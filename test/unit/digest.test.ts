import { describe, expect, it } from 'vitest';
import { digestEmail, type RequestEmailInput } from '../../domain/mail/compose';
import {
  personalSpreadSeconds,
  recipientWindow,
  SEND_TIME_INTERVAL_MS,
  sendTime,
} from '../../domain/mail/digest';
import { type CapturedEmail, itemsIn } from '../../local/people';

const OSLO = { timeZone: 'Europe/Oslo', sendHour: 9, quietDays: ['Sat', 'Sun'] };
const window = recipientWindow(OSLO, 'mgr-1', 'Europe/Oslo');
const ownSlot = (isoDay: string) =>
  // 09:00 Oslo in winter is 08:00 UTC, plus this person's point in the hour.
  new Date(Date.parse(`${isoDay}T08:00:00Z`) + personalSpreadSeconds('mgr-1') * 1000);
const floorToSendTime = (d: Date) =>
  new Date(Math.floor(d.getTime() / SEND_TIME_INTERVAL_MS) * SEND_TIME_INTERVAL_MS);

describe('send times', () => {
  it('collects what falls due for one person overnight at one send time in their send hour', () => {
    const evening = sendTime(new Date('2027-01-05T17:12:00Z'), window);
    const night = sendTime(new Date('2027-01-06T02:40:00Z'), window);
    expect(evening).toEqual(night);
    expect(evening).toEqual(floorToSendTime(ownSlot('2027-01-06')));
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: OSLO.timeZone, hour: '2-digit' });
    expect(local.format(evening)).toBe('09');
  });

  it('moves a Friday evening digest item to Monday morning', () => {
    expect(sendTime(new Date('2027-01-08T18:00:00Z'), window)).toEqual(
      floorToSendTime(ownSlot('2027-01-11')),
    );
  });

  it('takes the next send time, at least half a minute ahead, once the person’s own slot has passed', () => {
    const slot = ownSlot('2027-01-06');
    const late = new Date(Math.min(slot.getTime() + 60_000, Date.parse('2027-01-06T08:58:00Z')));
    const at = sendTime(late, window);
    expect(at.getTime() - late.getTime()).toBeGreaterThanOrEqual(30_000);
    expect(at.getTime() - late.getTime()).toBeLessThanOrEqual(SEND_TIME_INTERVAL_MS + 30_000);
    expect(at.getTime() % SEND_TIME_INTERVAL_MS).toBe(0);
  });

  it('gives different people different points in the hour, so a large cycle is not sent all at :00', () => {
    const times = new Set(
      Array.from({ length: 40 }, (_, i) =>
        sendTime(new Date('2027-01-05T17:00:00Z'), recipientWindow(OSLO, `p${i}`, OSLO.timeZone)).getTime(),
      ),
    );
    expect(times.size).toBeGreaterThan(6);
  });
});

const request = (over: Partial<RequestEmailInput>): RequestEmailInput => ({
  kind: 'manager-appraisal',
  recipientName: 'Mona',
  subjectName: 'Ola',
  cycleName: 'Annual review',
  dueAt: '2027-01-20T22:59:59Z',
  timeZone: 'Europe/Oslo',
  url: 'https://forms.example.com/r/req-ola?e=1&s=a',
  ...over,
});

describe('digest emails', () => {
  const { email, kinds } = digestEmail(`Mona <b>M</b>`, [
    { kind: 'manager-appraisal.request', request: request({}), reminder: false },
    {
      kind: 'self-assessment.escalation',
      escalation: {
        kind: 'self-assessment',
        escalateeName: 'Mona',
        role: 'manager',
        ownerName: 'Tor',
        subjectName: 'Tor',
        dueAt: '2027-01-10T22:59:59Z',
        timeZone: 'Europe/Oslo',
      },
    },
    {
      kind: 'peer-feedback.reminder',
      request: request({
        kind: 'peer-feedback',
        subjectName: `Eve <script>x</script>`,
        dueAt: '2027-01-15T22:59:59Z',
        url: 'https://forms.example.com/r/req-eve?e=1&s=b',
      }),
      reminder: true,
    },
  ]);

  it('lists requests soonest due first, then what is overdue in the team, and names them in that order', () => {
    expect(kinds).toEqual([
      'peer-feedback.reminder',
      'manager-appraisal.request',
      'self-assessment.escalation',
    ]);
    expect(email.subject).toBe(`Reminder: Eve <script>x</script> would value your feedback, and 2 more`);
  });

  it('escapes every name that reaches the HTML', () => {
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<b>M</b>');
    expect(email.html).toContain('Eve &lt;script&gt;x&lt;/script&gt;');
  });

  it('is read back item by item, each with its own link, the way people and tests read it', () => {
    const captured: CapturedEmail = {
      messageId: 'm1',
      destination: { to: ['mona@example.com'] },
      subject: email.subject,
      body: { html: email.html, text: email.text },
      headers: [{ name: 'X-Growcycle-Items', value: kinds.join(',') }],
      at: 0,
    };
    expect(itemsIn(captured).map(({ kind, link }) => ({ kind, link }))).toEqual([
      { kind: 'peer-feedback.reminder', link: 'https://forms.example.com/r/req-eve?e=1&s=b' },
      { kind: 'manager-appraisal.request', link: 'https://forms.example.com/r/req-ola?e=1&s=a' },
      { kind: 'self-assessment.escalation', link: undefined },
    ]);
  });
});
