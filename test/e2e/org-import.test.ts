import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, run } from '../../cli/growcycle';
import { ORG_COLUMNS } from '../../domain/people/hris';
import { db, type Employee } from '../../domain/platform/table';
import { CATALOG_YAML, SAMPLE_ORG_CSV } from '../../local/sample-org';
import { employee, hrisCsv, hrisRow } from '../support/fixtures';
import { startTestStack, type TestStack } from '../support/local-stack';

/* The org import end to end: the growcycle CLI against the local stack's HTTP API and DynamoDB Local. */

let stack: TestStack;

const cli = async (...args: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false };
  const code = await run(
    [...args, '--api', stack.urls.api, '--token', stack.devToken('hr-test', { hr: true })],
    io,
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
};

/** New starters under Henrik (e02), in Oslo unless a row says otherwise. */
const newStarter = (employeeId: string, over: Partial<Employee>) =>
  employee(employeeId, { managerId: 'e02', level: 4, timeZone: 'Europe/Oslo', ...over });
const file = (name: string, text: string) => {
  const p = path.join(stack.dataDir, name);
  writeFileSync(p, text);
  return p;
};
const status = async (employeeId: string) => (await db().employee.get({ employeeId }).go()).data?.status;

beforeAll(async () => {
  stack = await startTestStack(new Date('2027-06-01T08:00:00Z'));
});

afterAll(async () => {
  await stack?.dispose();
});

describe('growcycle import-org', () => {
  it('imports the sample HRIS export (CRLF, optional columns) and reports what it created', async () => {
    const result = await cli('import-org', SAMPLE_ORG_CSV, '--full', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({
      applied: true,
      counts: { rows: 24, created: 24, invalid: 0 },
      errors: [],
    });
    expect((await db().employee.get({ employeeId: 'e24' }).go()).data).toMatchObject({
      managerId: 'e08',
      location: 'New York',
      startDate: '2020-01-06',
    });
  });

  it('upserts on re-import: only the changed person is updated', async () => {
    const changed = (await import('node:fs'))
      .readFileSync(SAMPLE_ORG_CSV, 'utf8')
      .replace('Senior Engineer', 'Staff Engineer');
    const result = await cli('import-org', file('changed.csv', changed), '--full', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out).counts).toMatchObject({ created: 0, updated: 1, unchanged: 23, left: 0 });
  });

  it('marks people missing from a full import as left and keeps them', async () => {
    const without = (await import('node:fs'))
      .readFileSync(SAMPLE_ORG_CSV, 'utf8')
      .split('\r\n')
      .filter((l) => !l.startsWith('e24,'))
      .join('\r\n');
    const result = await cli('import-org', file('without-e24.csv', without), '--full');
    expect(result.code).toBe(0);
    expect(result.out).toContain('marked left 1');
    expect(await status('e24')).toBe('left');
  });

  it('with a bad row writes nothing, lists every bad row with its number and reason, and exits 1', async () => {
    const csv = hrisCsv(
      [
        newStarter('n1', {
          name: 'Nadia, New',
          email: 'nadia@example.com',
          department: 'Engineering',
          location: 'Oslo',
          startDate: '2026-01-05',
        }),
        newStarter('n2', { name: 'Bad Mail', email: 'not-an-email' }),
        newStarter('n3', {
          name: 'Lost',
          managerId: 'nobody',
          timeZone: 'Mars/Olympus',
          startDate: '2026-13-01',
        }),
      ],
      { bom: true, lineEnd: '\r\n' },
    );
    const result = await cli('import-org', file('bad.csv', csv));
    expect(result.code).toBe(1);
    expect(result.err).toBe('growcycle: 4 problem(s) in 2 row(s); nothing was written');
    expect(result.out).toContain(
      'row     3  n2           email "not-an-email": is not a valid email address',
    );
    expect(result.out).toContain('manager_id: unknown manager "nobody"');
    expect(result.out).toContain('time_zone: unknown time zone "Mars/Olympus"');
    expect(result.out).toContain('start_date: no such date: "2026-13-01"');
    expect(await status('n1')).toBeUndefined();
  });

  it('in a dry run reports the same and writes nothing, exiting 1 because rows are bad', async () => {
    const csv = hrisCsv([
      newStarter('n4', { name: 'Dry Run', email: 'dry@example.com' }),
      newStarter('n5', { name: 'Loop', email: 'loop@example.com', managerId: 'n5' }),
    ]);
    const result = await cli('import-org', file('dry.csv', csv), '--dry-run', '--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toMatchObject({
      dryRun: true,
      applied: false,
      counts: { created: 1, invalid: 1 },
    });
    expect(await status('n4')).toBeUndefined();
  });

  it('with --skip-invalid applies the good rows, and still exits 1 naming the bad ones', async () => {
    const csv = hrisCsv([
      newStarter('n6', { name: 'Good', email: 'good@example.com' }),
      newStarter('n6', { name: 'Twice', email: 'twice@example.com' }),
    ]);
    const result = await cli('import-org', file('skip.csv', csv), '--skip-invalid');
    expect(result.code).toBe(1);
    expect(result.out).toContain('row     3  n6           employee_id "n6": duplicate id (first on row 2)');
    expect(result.err).toContain('the good rows were applied');
    expect(await status('n6')).toBe('active');
  });

  it('previews an HRIS export under its own header names: every row’s change and problem, nothing written', async () => {
    // Prepare: p0 as our own format has them, then an export under its own names where p0 is on
    // leave, p1 joins (on leave, so the cycles below keep their participants) and p2 has a status
    // no HRIS writes.
    const p0 = newStarter('p0', { name: 'Pat Zero', email: 'p0@example.com' });
    expect((await cli('import-org', file('p0.csv', hrisCsv([p0])))).code).toBe(0);
    const cells = ORG_COLUMNS.map((c) => (c === 'status' ? 'LOA' : hrisRow(p0)[c]));
    const csv = [
      'Employee Number,Preferred Name,Work Email,Reports To,Business Title,Career Track,Grade,Department,Office,TZ,Hire Date,Employment Status',
      cells.join(','),
      'p1,Pia New,pia@example.com,e02,Engineer,,L4,,,oslo,13/04/2027,Parental Leave',
      'p2,Per Odd,per@example.com,e02,Engineer,,4,,,Europe/Oslo,2027-04-13,Garden Lve',
    ].join('\n');
    const source = file('hris.csv', csv);

    // Act
    const preview = await cli('import-org', source, '--preview', '--map', 'Grade=level');

    // Assess
    expect(preview.code).toBe(1);
    expect(preview.err).toBe('growcycle: 1 problem(s) in 1 row(s); nothing would be written');
    expect(preview.out).toContain('column "Grade" → level (given)');
    expect(preview.out).toContain('column "TZ" → time_zone (recognised)');
    expect(preview.out).toContain('row     2  p0           changed: status active → on-leave');
    expect(preview.out).toContain('row     3  p1           new');
    expect(preview.out).toContain('row     4  p2           invalid');
    expect(preview.out).toContain('Employment Status: unknown status "Garden Lve"');
    expect(await status('p1')).toBeUndefined();
    expect(await status('p0')).toBe('active');

    // Act: the same file, the bad row mended, applied
    const mended = file('hris-mended.csv', csv.replace('Garden Lve', 'on leave'));
    const applied = await cli('import-org', mended, '--map', 'Grade=level');

    // Assess
    expect(applied.code, applied.out + applied.err).toBe(0);
    expect(await status('p0')).toBe('on-leave');
    expect(await status('p2')).toBe('on-leave');
    expect((await db().employee.get({ employeeId: 'p1' }).go()).data).toMatchObject({
      timeZone: 'Europe/Oslo',
      startDate: '2027-04-13',
      level: 4,
    });
  });

  it('imports JSON exports too', async () => {
    const json = JSON.stringify([
      {
        employee_id: 'j1',
        name: 'Json One',
        email: 'j1@example.com',
        manager_id: 'e02',
        job_title: 'Engineer',
        level: 4,
        time_zone: 'UTC',
      },
    ]);
    const result = await cli('import-org', file('org.json', json), '--json');
    expect(result.code).toBe(0);
    expect(await status('j1')).toBe('active');
  });

  it('explains usage mistakes with exit 2 and an unreadable file with exit 1', async () => {
    expect((await cli('import-org')).code).toBe(2);
    expect((await cli('frobnicate')).err).toContain('unknown command "frobnicate"');
    const missing = await cli('import-org', path.join(stack.dataDir, 'nope.csv'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^growcycle: cannot read /);
  });
});

describe('growcycle apply, and cycles from a template', () => {
  it('applies the sample framework, template and plan policies, frameworks first, each as a new revision', async () => {
    const first = await cli('apply', CATALOG_YAML, '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toEqual([
      { kind: 'framework', id: 'company-2027', revision: 1 },
      { kind: 'template', id: 'annual-review', revision: 1 },
      { kind: 'plan-policy', id: 'development', revision: 1 },
      { kind: 'plan-policy', id: 'performance-improvement', revision: 1 },
    ]);
    expect(JSON.parse((await cli('apply', CATALOG_YAML, '--json')).out)[1]).toMatchObject({ revision: 2 });
  });

  it('refuses a template that rates a competency its framework lacks, naming the question, and exits 1', async () => {
    const yaml =
      readFileSync(CATALOG_YAML, 'utf8')
        .split('\n---\n')[1]
        ?.replace('competencyId: craft', 'competencyId: wizardry') ?? '';
    const result = await cli('apply', file('bad-template.yaml', yaml));
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      '✗ template annual-review: questions.2.competencyId: not in framework company-2027: "wizardry"',
    );
    expect(result.err).toBe('growcycle: 1 of 1 document(s) were not applied');
  });

  it('explains YAML that does not parse', async () => {
    const result = await cli('apply', file('broken.yaml', 'kind: [template\n'));
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/is not valid YAML/);
  });

  it('schedules a cycle whose deadlines, participants and ladder come from the template', async () => {
    const result = await cli(
      'schedule-cycle',
      '--name',
      'From template',
      '--template',
      'annual-review',
      '--start',
      '2027-06-07T08:00:00Z',
      '--json',
    );
    expect(result.code).toBe(0);
    const { cycle } = JSON.parse(result.out) as { cycle: Record<string, unknown> };
    // Active people with a manager who joined at least 30 days before: the sample org less the CEO,
    // less Samuel (e24), who left in the full import above, plus the people imported since.
    expect(cycle).toMatchObject({
      templateId: 'annual-review',
      selfDueAt: '2027-06-14T08:00:00.000Z',
      closeAt: '2027-06-28T08:00:00.000Z',
      policy: { reminderHoursBefore: [72, 24], anonymityThreshold: 3 },
    });
    expect(cycle.participants).toBe(24);
  });

  it('refuses an unknown template with exit 1 and the API’s reason', async () => {
    const result = await cli('schedule-cycle', '--name', 'x', '--template', 'nope');
    expect(result.code).toBe(1);
    expect(result.err).toBe('growcycle: the API answered 400: templateId: no template nope');
  });
});
