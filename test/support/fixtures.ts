import { ORG_COLUMNS } from '../../domain/people/org';
import type { Employee } from '../../domain/platform/table';

/*
 * The people tests run on: one employee with defaults that a test overrides where it matters to it,
 * a team written a line a person with what its people share said once, and people as the HRIS
 * export the org import reads.
 */

/** An active level-3 engineer in UTC called `Person <id>` at `<id>@example.com`, but for what `over` says. */
export const employee = (employeeId: string, over: Partial<Employee> = {}): Employee => ({
  employeeId,
  name: `Person ${employeeId}`,
  email: `${employeeId}@example.com`,
  title: 'Engineer',
  level: 3,
  timeZone: 'UTC',
  status: 'active',
  ...over,
});

/** One person of a team: who, and what sets them apart from the rest of it (name, manager, zone...). */
export type Member = Partial<Employee> & { employeeId: string };

/** A team, or a whole organisation: everyone shares `common` (title, level, time zone...) unless their line says otherwise. */
export const team = (common: Partial<Employee>, members: Member[]): Employee[] =>
  members.map(({ employeeId, ...own }) => employee(employeeId, { ...common, ...own }));

/**
 * The small organisation most workflow tests run on: the CEO, Mona Manager (`mgr`) reporting to them,
 * and Mona's reports, a line each. Everyone shares `common`.
 */
export const monasTeam = (common: Partial<Employee>, reports: Member[]): Employee[] =>
  team(common, [
    { employeeId: 'ceo', name: 'Chief Exec' },
    { employeeId: 'mgr', name: 'Mona Manager', managerId: 'ceo' },
    ...reports.map((report) => ({ managerId: 'mgr', ...report })),
  ]);

export type HrisColumn = (typeof ORG_COLUMNS)[number];

/**
 * A person as a row of the HRIS export: every column, blank where the person has no value. An
 * active person's status is blank too, as exports leave it, so the import's default is exercised.
 */
export const hrisRow = (person: Employee): Record<HrisColumn, string> => ({
  employee_id: person.employeeId,
  name: person.name,
  email: person.email,
  manager_id: person.managerId ?? '',
  job_title: person.title,
  track: person.track ?? '',
  level: String(person.level),
  department: person.department ?? '',
  location: person.location ?? '',
  time_zone: person.timeZone,
  start_date: person.startDate ?? '',
  status: person.status === 'active' ? '' : person.status,
});

const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/**
 * People as the HRIS export's CSV file: the header row, then a row a person. `bom` and `lineEnd`
 * write it the way spreadsheet programs on Windows save it.
 */
export const hrisCsv = (
  people: Employee[],
  { bom = false, lineEnd = '\n' }: { bom?: boolean; lineEnd?: '\n' | '\r\n' } = {},
): string =>
  (bom ? '\uFEFF' : '') +
  [ORG_COLUMNS.join(','), ...people.map((p) => ORG_COLUMNS.map((c) => csvField(hrisRow(p)[c])).join(','))]
    .map((line) => `${line}${lineEnd}`)
    .join('');
