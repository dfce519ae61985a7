import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  ColumnMap,
  IMPORT_FIELDS,
  KNOWN_HEADERS,
  mapColumns,
  readDate,
  readRow,
  readStatus,
  readTimeZone,
} from '../../domain/people/hris';
import { planImport } from '../../domain/people/org';
import { PROPERTY_TIMEOUT, RUNS } from '../support/arbitraries';

/*
 * HRIS exports as they come: columns found by the export's own header names in any spelling,
 * values read the way Workday, BambooHR, Personio and HiBob write them, and anything unreadable a
 * problem naming its row, column and value.
 */

vi.setConfig({ testTimeout: PROPERTY_TIMEOUT });

const WORKDAY_HEADER = [
  'Employee Number',
  'Legal Name',
  'Preferred Name',
  'Work Email',
  'Reports To',
  'Business Title',
  'Job Level',
  'Supervisory Organization',
  'Location',
  'Time Zone',
  'Hire Date',
  'Employment Status',
  'Termination Date',
  'Favourite Colour',
];

const mapped = (headers: string[], given: Record<string, string> = {}) => {
  const result = mapColumns(headers, ColumnMap.parse(given));
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.mapping;
};

describe('mapping an export’s columns', () => {
  it('recognises the common HRIS header names, prefers a preferred name, and ignores what it does not know', () => {
    // Act
    const mapping = mapped(WORKDAY_HEADER);

    // Assess
    expect(mapping.headerOf).toEqual({
      employee_id: 'Employee Number',
      name: 'Preferred Name',
      email: 'Work Email',
      manager_id: 'Reports To',
      job_title: 'Business Title',
      level: 'Job Level',
      department: 'Supervisory Organization',
      location: 'Location',
      time_zone: 'Time Zone',
      start_date: 'Hire Date',
      status: 'Employment Status',
      termination_date: 'Termination Date',
    });
    expect(mapping.columns.filter((c) => c.how === 'ignored').map((c) => [c.header, c.note])).toEqual([
      ['Legal Name', 'name is read from "Preferred Name"'],
      ['Favourite Colour', undefined],
    ]);
  });

  it('takes an explicit mapping over the names it recognises, and can leave a column out', () => {
    // Act
    const mapping = mapped(['Staff Ref', 'Legal Name', 'Preferred Name', 'E-Mail'], {
      'staff ref': 'employeeId',
      'Legal Name': 'name',
      'Preferred Name': '',
      'E-Mail': 'email',
    });

    // Assess
    expect(mapping.headerOf).toEqual({ employee_id: 'Staff Ref', name: 'Legal Name', email: 'E-Mail' });
  });

  it('refuses a mapping to a column the export lacks, to an unknown field, or of two columns to one field', () => {
    expect(mapColumns(['A'], ColumnMap.parse({ B: 'name' }))).toEqual({
      ok: false,
      problems: ['the mapping names a column "B" the export does not have'],
    });
    expect(ColumnMap.safeParse({ A: 'salary' }).error?.issues[0]?.message).toMatch(/^unknown field "salary"/);
    expect(mapColumns(['A', 'B'], ColumnMap.parse({ A: 'name', B: 'name' }))).toEqual({
      ok: false,
      problems: ['the mapping gives name two columns: "A", "B"'],
    });
  });

  it('maps any spelling of a known header: any case, spaces, hyphens or underscores', () => {
    const field = fc.constantFrom(...IMPORT_FIELDS);
    const separator = fc.constantFrom(' ', '-', '_', '  ', ' - ', '');
    fc.assert(
      fc.property(
        field.chain((f) => fc.tuple(fc.constant(f), fc.constantFrom(f, ...KNOWN_HEADERS[f]))),
        fc.array(separator, { minLength: 10, maxLength: 10 }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        ([field, header], separators, upper) => {
          // Prepare: the header's words joined by any separators, each letter in any case.
          const words = header.split(/[\s_-]+/);
          const spelled = words
            .map((w, i) => (i === 0 ? w : `${separators[i % separators.length]}${w}`))
            .join('')
            .replace(/./g, (c, i: number) => (upper[i % upper.length] ? c.toUpperCase() : c.toLowerCase()));

          // Act
          const result = mapColumns([` ${spelled} `]);

          // Assess
          expect(result.ok && result.mapping.headerOf[field]).toBe(` ${spelled} `);
        },
      ),
      { numRuns: RUNS.more },
    );
  });
});

describe('reading values the way exports write them', () => {
  it.each([
    ['Active', 'active'],
    ['EMPLOYED', 'active'],
    ['On Leave', 'on-leave'],
    ['on_leave', 'on-leave'],
    ['LOA', 'on-leave'],
    ['Leave of Absence', 'on-leave'],
    ['Terminated', 'left'],
    ['inactive', 'left'],
    ['Leaver', 'left'],
    ['Withdrawn', 'left'],
    [' ON-LEAVE ', 'on-leave'],
    ['Leave-of_Absence', 'on-leave'],
    ['In Active', 'left'],
  ])('reads the status %s as %s', (written, status) => {
    expect(readStatus(written)).toEqual({ ok: true, value: status });
  });

  it.each([
    ['2024-03-01', undefined, '2024-03-01'],
    ['2024-03-01T08:00:00Z', undefined, '2024-03-01'],
    ['2024/3/1', undefined, '2024-03-01'],
    ['13/04/2024', undefined, '2024-04-13'],
    ['04/13/2024', undefined, '2024-04-13'],
    ['03/04/2024', 'dmy', '2024-04-03'],
    ['03/04/2024', 'mdy', '2024-03-04'],
    ['1 Mar 2024', undefined, '2024-03-01'],
    ['01-Mar-2024', undefined, '2024-03-01'],
    ['March 1, 2024', undefined, '2024-03-01'],
  ] as const)('reads the date %s (order %s) as %s', (written, order, iso) => {
    expect(readDate(written, order)).toEqual({ ok: true, value: iso });
  });

  it('refuses a date the numbers alone do not tell, and one that does not exist', () => {
    expect(readDate('03/04/2024')).toMatchObject({ ok: false, reason: expect.stringMatching(/dmy or mdy/) });
    expect(readDate('31/02/2024')).toMatchObject({ ok: false, reason: 'no such date: "31/02/2024"' });
  });

  it.each([
    ['Europe/Oslo', 'Europe/Oslo'],
    ['europe/oslo', 'Europe/Oslo'],
    ['America/New York', 'America/New_York'],
    ['Oslo', 'Europe/Oslo'],
    ['new york', 'America/New_York'],
    ['UTC', 'UTC'],
    ['+00:00', 'UTC'],
  ])('reads the time zone %s as %s', (written, zone) => {
    expect(readTimeZone(written)).toEqual({ ok: true, value: zone });
  });

  it('refuses an offset other than zero, which names no single zone', () => {
    expect(readTimeZone('+01:00')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no single time zone/),
    });
  });

  it('takes a blank status from an active flag, or from a leaving date that has passed', () => {
    const mapping = mapped(['Employee ID', 'Employment Status', 'Termination Date', 'Active']);
    const read = (cells: Record<string, string>) =>
      readRow({ 'Employee ID': 'e1', ...cells }, mapping, { today: '2027-03-10' }).values.status;
    expect(read({ 'Termination Date': '2027-03-10' })).toBe('left');
    expect(read({ 'Termination Date': '2027-04-30' })).toBeUndefined();
    expect(read({ Active: 'No' })).toBe('left');
    expect(read({ Active: 'yes', 'Termination Date': '2020-01-01' })).toBe('active');
    expect(read({ 'Employment Status': 'LOA', Active: 'No' })).toBe('on-leave');
  });
});

describe('an unreadable value', () => {
  const HEADER = [
    'Employee ID',
    'Name',
    'Work Email',
    'Job Title',
    'Level',
    'Time Zone',
    'Employment Status',
  ];
  const cellsOf = (status: string) => ({
    'Employee ID': 'e1',
    Name: 'Ada',
    'Work Email': 'ada@example.com',
    'Job Title': 'Engineer',
    Level: 'L3',
    'Time Zone': 'Oslo',
    'Employment Status': status,
  });

  it('is one problem on its row naming its column and value, and the row is not applied', () => {
    // Prepare
    const mapping = mapped(HEADER);
    const { values, problems } = readRow(cellsOf('Garden Lve'), mapping, { today: '2027-03-10' });

    // Act
    const plan = planImport([{ row: 2, values: values as Record<string, string>, problems }], [], 'full');

    // Assess
    expect(plan.valid).toEqual([]);
    expect(plan.errors).toEqual([
      {
        row: 2,
        employeeId: 'e1',
        field: 'status',
        column: 'Employment Status',
        value: 'Garden Lve',
        reason: expect.stringMatching(/^unknown status "Garden Lve"/),
      },
    ]);
  });

  it('is always a problem on its row for any status no synonym names', () => {
    const mapping = mapped(HEADER);
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== '' && !readStatus(s).ok),
        fc.integer({ min: 2, max: 10_000 }),
        (status, row) => {
          // Act
          const { values, problems } = readRow(cellsOf(status), mapping, { today: '2027-03-10' });
          const plan = planImport([{ row, values: values as Record<string, string>, problems }], [], 'full');

          // Assess
          expect(plan.valid).toEqual([]);
          expect(plan.errors).toEqual([
            expect.objectContaining({ row, column: 'Employment Status', value: status }),
          ]);
        },
      ),
      { numRuns: RUNS.more },
    );
  });
});
