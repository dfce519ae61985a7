import { describe, expect, it } from 'vitest';
import { PlanPolicyDoc, TemplateDoc } from '../../domain/catalog/documents';
import type { Employee } from '../../domain/platform/table';
import { emailBody, planPolicyEmails, templateEmails } from '../../functions/api/pages/email-previews';
import { orgChart } from '../../functions/api/pages/hr-people';
import { mappingFromForm, mappingSelects } from '../../functions/api/pages/import-mapping';
import { MAX_UPLOAD_BYTES, parseMultipart, postedForm } from '../../functions/api/pages/multipart';
import type { HttpEvent } from '../../functions/shared/http';
import { employee } from '../support/fixtures';

/*
 * The pure parts of HR's people and catalog pages: a multipart upload read from an API Gateway event,
 * the import's column mapping as a form and back, the org chart's nesting and team sizes, and the
 * emails a template or plan policy sends, written for made-up people.
 */

const BOUNDARY = '----growcycle-test';
const multipart = (parts: Array<{ name: string; value: string; filename?: string }>) =>
  Buffer.from(
    `${parts
      .map(
        (p) =>
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"\r\nContent-Type: text/csv` : ''}\r\n\r\n${p.value}\r\n`,
      )
      .join('')}--${BOUNDARY}--\r\n`,
  );
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const event = (body: Buffer, contentType: string, base64 = true) =>
  ({
    headers: { 'content-type': contentType },
    body: base64 ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: base64,
  }) as unknown as HttpEvent;

describe('a page POST body', () => {
  it('reads a base64 multipart upload: its fields, and the file as text without a byte-order mark', async () => {
    const body = multipart([
      { name: 'csrf', value: 'token-1' },
      { name: 'file', filename: 'export.csv', value: '\uFEFFWorker ID,Name\r\nn1,Åse Ødegård' },
      { name: 'dateOrder', value: 'mdy' },
    ]);
    const { fields, files } = await postedForm(event(body, CONTENT_TYPE));
    expect(fields.get('csrf')).toBe('token-1');
    expect(fields.get('dateOrder')).toBe('mdy');
    expect(files.get('file')).toEqual({
      filename: 'export.csv',
      text: 'Worker ID,Name\r\nn1,Åse Ødegård',
      truncated: false,
    });
  });

  it('marks a file over the limit as truncated', async () => {
    const big = 'x'.repeat(MAX_UPLOAD_BYTES + 10);
    const { files } = await parseMultipart(
      CONTENT_TYPE,
      multipart([{ name: 'file', filename: 'a.csv', value: big }]),
    );
    expect(files.get('file')?.truncated).toBe(true);
    expect(files.get('file')?.text.length).toBe(MAX_UPLOAD_BYTES);
  });

  it('refuses a body cut short in a file, throwing nothing outside its promise', async () => {
    // Prepare: the upload without its closing line, as a dropped connection leaves it.
    const whole = multipart([{ name: 'file', filename: 'export.csv', value: 'Worker ID,Name' }]);
    const cut = whole.subarray(0, whole.length - `--${BOUNDARY}--\r\n`.length);
    const uncaught: unknown[] = [];
    const record = (error: unknown) => {
      uncaught.push(error);
    };
    process.on('uncaughtException', record);

    // Act
    const read = parseMultipart(CONTENT_TYPE, cut);

    // Assess: on Lambda, an error thrown outside the request's promise ends the process.
    try {
      await expect(read).rejects.toThrow('Unexpected end of form');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('uncaughtException', record);
    }
    expect(uncaught).toEqual([]);
  });

  it('reads a URL-encoded body as fields, and a body that is not the multipart it claims as none', async () => {
    const plain = await postedForm(
      event(Buffer.from('csrf=a&x=1'), 'application/x-www-form-urlencoded', false),
    );
    expect(plain.fields.get('x')).toBe('1');
    const broken = await postedForm(event(Buffer.from('csrf=a'), 'multipart/form-data'));
    expect([...broken.fields]).toEqual([]);
  });
});

describe("the import's column mapping form", () => {
  it('offers every field per column, chosen as the column is used now, with the header escaped', () => {
    const markup = mappingSelects([
      { header: 'Line <Mgr>', field: 'manager_id' },
      { header: 'Colour' },
    ]).value;
    expect(markup).toContain('<label for="column-0">Line &lt;Mgr&gt;</label>');
    expect(markup).toContain('<option value="manager_id" selected>Manager id</option>');
    expect(markup).toMatch(/<select id="column-1" name="column.1">\s*<option value="" selected>Leave out/);
  });

  it('reads the form back as an explicit mapping of every column, unknown choices left out', () => {
    const headers = ['Line Mgr', 'Colour', 'Worker ID'];
    const form = new URLSearchParams({ 'column.0': 'manager_id', 'column.1': '', 'column.2': 'salary' });
    expect(mappingFromForm(headers, form)).toEqual({ 'Line Mgr': 'manager_id', Colour: '', 'Worker ID': '' });
    expect(mappingFromForm(headers, new URLSearchParams({ csrf: 'x' }))).toBeUndefined();
  });
});

describe('the org chart', () => {
  const people: Employee[] = [
    employee('ceo', { name: 'Ceo' }),
    employee('m1', { name: 'Manager', managerId: 'ceo' }),
    employee('a', { name: 'Ann', managerId: 'm1' }),
    employee('b', { name: 'Bo', managerId: 'm1', status: 'on-leave' }),
    employee('gone', { name: 'Gone', managerId: 'm1', status: 'left' }),
    employee('orphan', { name: 'Orphan', managerId: 'nobody' }),
    employee('x', { name: 'X', managerId: 'y' }),
    employee('y', { name: 'Y', managerId: 'x' }),
  ];

  it('nests reports under their manager from the top, counts whole teams and leaves leavers out', () => {
    const [ceo, orphan, loop] = orgChart(people);
    expect(ceo?.employee.employeeId).toBe('ceo');
    expect(ceo?.teamSize).toBe(3);
    expect(ceo?.reports[0]?.reports.map((r) => r.employee.name)).toEqual(['Ann', 'Bo']);
    expect(orphan?.employee.employeeId).toBe('orphan');
    // A reporting loop is shown once, from its first member, instead of hanging the page.
    expect(loop?.employee.employeeId).toBe('x');
    expect(loop?.reports.map((r) => r.employee.employeeId)).toEqual(['y']);
    expect(orgChart(people)).toHaveLength(3);
  });
});

describe('email previews', () => {
  const template = TemplateDoc.parse({
    kind: 'template',
    id: 't',
    name: 'T',
    frameworkId: 'f',
    phases: {
      selfAssessment: { dueDays: 7 },
      peerFeedback: { dueDays: 10 },
      managerAppraisal: { dueDays: 14 },
      acknowledgment: { dueDays: 21 },
    },
    questions: [{ id: 'q', type: 'text', text: 'How?' }],
    reminders: { daysBefore: [3, 0] },
  });

  it("writes a template's invitations, reminders, escalations and a digest with the workflows' composition", () => {
    const previews = templateEmails(template);
    const self = previews.filter((p) => p.group === 'Self-assessment');
    expect(self.map((p) => p.label)).toEqual([
      'Invitation, to the employee',
      'Reminder, to the employee',
      'Escalation, to the manager',
      'Escalation, to skip-level manager',
      'Escalation, to HR',
    ]);
    expect(self[0]?.email.subject).toBe('Your self-assessment for Annual review 2027 (sample)');
    expect(self[1]?.when).toBe('while it is open: 3 days before, on the due day');
    // The manager's own step escalates past them: skip-level, then HR.
    expect(previews.filter((p) => p.group === 'Manager appraisal')).toHaveLength(4);
    expect(previews.at(-1)?.group).toBe('Digest');
    expect(emailBody(self[0]?.email ?? { subject: '', html: '', text: '' })).toContain('Hello Alex Example,');
  });

  it("writes a plan policy's item reminder with its answers, each escalation step, a check-in and a digest", () => {
    const policy = PlanPolicyDoc.parse({ kind: 'plan-policy', id: 'p', name: 'P' });
    const previews = planPolicyEmails(policy);
    expect(previews.filter((p) => p.label.startsWith('Escalation')).map((p) => p.label)).toEqual([
      'Escalation, to the manager',
      'Escalation, to the skip-level manager',
      'Escalation, to HR',
    ]);
    expect(previews[0]?.email.text).toContain('Needs a new date: https://growcycle.example/');
    expect(previews.some((p) => p.group === 'Check-in')).toBe(true);
    const none = planPolicyEmails({ ...policy, checkIns: { everyDays: 0, answerDays: 5 } });
    expect(none.some((p) => p.group === 'Check-in')).toBe(false);
  });
});
