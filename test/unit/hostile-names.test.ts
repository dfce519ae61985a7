import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestEmail } from '../../domain/mail/compose';
import { sendOnce } from '../../domain/mail/send';
import { parseCsvObjects } from '../../domain/people/csv';
import { planImport } from '../../domain/people/org';
import { oneLine } from '../../domain/platform/text';
import { formBody, nominationSchema } from '../../domain/reviews/nominations';
import { PutEmployeesInput } from '../../functions/api/hr-schemas';
import { stubTestEnv } from '../support/unit-doubles';

/*
 * Names from an HRIS, from HR or from a nomination form, made of what an attacker or a careless
 * export puts in them: a header injection, a NUL, a name in decomposed form. They are kept as one
 * composed line, and whatever was stored, no email header gets a line break.
 */

const INJECTION = 'Eve\r\nBcc: x@y';
const DECOMPOSED = 'A\u030Asa Ekstro\u0308m'; // "Åsa Ekström" with combining ring and diaeresis
const COMPOSED = '\u00C5sa Ekstr\u00F6m';

describe('a name kept as one composed line', () => {
  it('turns CR/LF and every other control character into a space, and collapses spaces', () => {
    expect(oneLine(INJECTION)).toBe('Eve Bcc: x@y');
    expect(oneLine('Ada\tLove\u0085lace\u2028')).toBe('Ada Love lace');
  });

  it('leaves nothing of a name made only of control characters', () => {
    expect(oneLine('\u0000')).toBe('');
    expect(oneLine(' \u0000\u001b\u007f ')).toBe('');
  });

  it('composes a decomposed name, so the two spellings are one name', () => {
    expect(oneLine(DECOMPOSED)).toBe(COMPOSED);
    expect(oneLine(DECOMPOSED)).toBe(oneLine(COMPOSED));
  });

  it('drops a bidirectional override that would show a name reversed', () => {
    expect(oneLine('Mallory \u202Egnp.exe')).toBe('Mallory gnp.exe');
  });
});

describe('names where they enter', () => {
  const header = 'employee_id,name,email,manager_id,job_title,level,time_zone';
  const importOf = (name: string, title = 'Engineer') =>
    planImport(
      parseCsvObjects(`${header}\ne1,"${name}",e1@example.com,,"${title}",3,Europe/Oslo\n`),
      [],
      'partial',
    );

  it('imports an org CSV name with CR/LF as one line, and a decomposed one composed', () => {
    expect(importOf(INJECTION).valid[0]?.name).toBe('Eve Bcc: x@y');
    expect(importOf(DECOMPOSED, `Lead\r\nBcc: x@y`).valid[0]).toMatchObject({
      name: COMPOSED,
      title: 'Lead Bcc: x@y',
    });
  });

  it('refuses an org row whose name is only a NUL, as a missing name', () => {
    const plan = importOf('\u0000');
    expect(plan.valid).toEqual([]);
    expect(plan.errors).toEqual([expect.objectContaining({ row: 2, field: 'name', reason: 'is required' })]);
  });

  it('keeps the names HR sends in PUT /employees as one composed line, and refuses a NUL name', () => {
    const employee = (name: string) => ({
      employeeId: 'e1',
      name,
      email: 'e1@example.com',
      title: 'Engineer',
      level: 3,
      timeZone: 'Europe/Oslo',
    });
    const parsed = PutEmployeesInput.parse({ employees: [employee(INJECTION), employee(DECOMPOSED)] });
    expect(parsed.employees.map((e) => e.name)).toEqual(['Eve Bcc: x@y', COMPOSED]);
    expect(PutEmployeesInput.safeParse({ employees: [employee('\u0000')] }).success).toBe(false);
  });

  it('keeps an external reviewer’s name one composed line, and a NUL name as a missing one', () => {
    const rules = { employeeId: 'emp', managerId: 'mgr', suggestions: [], minPeers: 0, maxPeers: 3 };
    const parse = (name: string) =>
      nominationSchema(rules).safeParse(
        formBody(
          new URLSearchParams({ external1Name: name, external1Email: 'x@partner.example' }).toString(),
        ),
      );
    const injected = parse(INJECTION);
    expect(injected.success && injected.data.externals[0]?.name).toBe('Eve Bcc: x@y');
    const decomposed = parse(DECOMPOSED);
    expect(decomposed.success && decomposed.data.externals[0]?.name).toBe(COMPOSED);
    const nul = parse('\u0000');
    expect(nul.success).toBe(false);
    expect(nul.error?.issues.map((i) => i.path[0])).toEqual(['external1Name']);
  });
});

describe('an email built from a name stored before it was cleaned', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const ses = mockClient(SESv2Client);

  beforeEach(() => {
    stubTestEnv();
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
  });
  afterEach(() => {
    ddb.reset();
    ses.reset();
    vi.unstubAllEnvs();
  });

  it('sends a subject, headers and an attachment name without CR, LF or any control character', async () => {
    // Prepare: a peer-feedback request about someone whose stored name carries a header injection.
    const email = requestEmail(
      {
        kind: 'peer-feedback',
        recipientName: 'Bo',
        subjectName: `${INJECTION}\u0000`,
        cycleName: 'Spring\r\nX-Evil: 1',
        dueAt: '2027-03-14T17:00:00.000Z',
        timeZone: 'Europe/Oslo',
        url: 'https://forms.example.com/r/req-1',
      },
      false,
    );
    const attachments = [
      { fileName: `meeting-${INJECTION}.ics`, contentType: 'text/calendar', content: 'x' },
    ];

    // Act
    await sendOnce({
      key: 'req-1#request',
      kind: 'peer-feedback.request',
      toId: 'bo',
      toAddress: 'bo@example.com',
      requestId: 'req-1',
      email: { ...email, attachments },
    });

    // Assess
    const [call] = ses.commandCalls(SendEmailCommand);
    const simple = call?.args[0].input.Content?.Simple;
    const headerValues = [
      simple?.Subject?.Data ?? '',
      ...(simple?.Headers ?? []).map((h) => h.Value ?? ''),
      ...(simple?.Attachments ?? []).map((a) => a.FileName ?? ''),
    ];
    for (const value of headerValues) expect(value).not.toMatch(/\p{Cc}/u);
    expect(simple?.Subject?.Data).toBe('Eve Bcc: x@y would value your feedback');
    expect(simple?.Attachments?.[0]?.FileName).toBe('meeting-Eve Bcc: x@y.ics');
  });
});
