import { describe, expect, it } from 'vitest';
import { cycleReportEmail, escalationEmail, localDate, requestEmail } from '../../domain/mail/compose';

const HOSTILE_SUBJECT = `Bob "The Builder" <script>alert(1)</script>`;
const HOSTILE_RECIPIENT = `O'Brien <img src=x onerror=alert(2)>`;

describe('requestEmail', () => {
  const email = requestEmail(
    {
      kind: 'peer-feedback',
      recipientName: HOSTILE_RECIPIENT,
      subjectName: HOSTILE_SUBJECT,
      cycleName: 'H1 <b>2025</b>',
      dueAt: '2025-03-14T17:00:00.000Z',
      timeZone: 'Europe/Oslo',
      url: 'https://forms.example.com/r/req-1?e=1742576400&s=abc',
    },
    false,
  );

  it('escapes names in the HTML body, so no markup from them reaches the inbox', () => {
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<img');
    expect(email.html).not.toContain('<b>2025');
    expect(email.html).toContain('Bob &quot;The Builder&quot; &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).toContain('Hello O&#39;Brien &lt;img src=x onerror=alert(2)&gt;,');
  });

  it('escapes the subject where it becomes the HTML title', () => {
    expect(email.subject).toBe(`${HOSTILE_SUBJECT} would value your feedback`);
    expect(email.html).toContain(
      '<title>Bob &quot;The Builder&quot; &lt;script&gt;alert(1)&lt;/script&gt; would value your feedback</title>',
    );
  });

  it('escapes the ampersand of the signed link inside the href', () => {
    expect(email.html).toContain('href="https://forms.example.com/r/req-1?e=1742576400&amp;s=abc"');
  });

  it('keeps the plain-text body unescaped, since it is not HTML', () => {
    expect(email.text).toContain(`Hello ${HOSTILE_RECIPIENT},`);
  });

  it('states the due date in the recipient time zone', () => {
    expect(email.html).toContain('Due: Friday, 14 March 2025 at 18:00 CET');
  });

  it('links the app in the footer of both parts, so whoever has an account finds everything in one place', () => {
    expect(email.html).toContain(
      '<a href="https://forms.example.com/" style="color:#0b5540">https://forms.example.com/</a>',
    );
    expect(email.text).toMatch(
      /\n--\n.*\nYour reviews, goals, plan and feedback are in the app: https:\/\/forms\.example\.com\/\n$/,
    );
  });

  it('prefixes the subject of a reminder', () => {
    // Act
    const reminder = requestEmail(
      {
        kind: 'self-assessment',
        recipientName: 'Ada',
        subjectName: 'Ada',
        cycleName: 'H1 2025',
        dueAt: '2025-03-14T17:00:00.000Z',
        timeZone: 'UTC',
        url: 'https://forms.example.com/r/req-2?e=1&s=x',
      },
      true,
    );

    // Assess
    expect(reminder.subject).toBe('Reminder: Your self-assessment for H1 2025');
  });
});

describe('escalationEmail', () => {
  it('escapes the names of the escalatee, the owner and the subject', () => {
    // Act
    const email = escalationEmail({
      kind: 'manager-appraisal',
      escalateeName: `"Skip" <i>Level</i>`,
      role: 'skip-level manager',
      ownerName: HOSTILE_RECIPIENT,
      subjectName: HOSTILE_SUBJECT,
      dueAt: '2025-03-14T17:00:00.000Z',
      timeZone: 'UTC',
    });

    // Assess
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<img');
    expect(email.html).not.toContain('<i>Level');
    expect(email.html).toContain('Hello &quot;Skip&quot; &lt;i&gt;Level&lt;/i&gt;,');
    expect(email.html).toContain('by O&#39;Brien &lt;img src=x onerror=alert(2)&gt;');
  });
});

describe('cycleReportEmail', () => {
  it('escapes the cycle name', () => {
    // Act
    const email = cycleReportEmail({
      cycleName: '<script>x</script>',
      participants: 3,
      completed: 2,
      incomplete: 1,
      inProgress: 0,
    });

    // Assess
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('“&lt;script&gt;x&lt;/script&gt;” has closed');
    expect(email.text).toContain('in the app: https://forms.example.com/');
  });
});

describe('localDate', () => {
  const instant = '2025-03-10T20:30:00.000Z';

  it('renders the clock time of the given time zone', () => {
    expect(localDate(instant, 'UTC')).toContain('20:30');
    expect(localDate(instant, 'Europe/Oslo')).toContain('21:30');
    expect(localDate(instant, 'America/New_York')).toContain('16:30');
  });

  it('renders the calendar day of the given time zone, which may be the next one', () => {
    expect(localDate(instant, 'Europe/Oslo')).toContain('Monday, 10 March 2025');
    expect(localDate(instant, 'Asia/Tokyo')).toContain('Tuesday, 11 March 2025');
  });

  it('names the time zone, so the reader knows which clock is meant', () => {
    expect(localDate(instant, 'Europe/Oslo')).toMatch(/CET$/);
    expect(localDate(instant, 'Asia/Tokyo')).toMatch(/GMT\+9$/);
  });
});
