import { describe, expect, it } from 'vitest';
import { isTimeZone, type OrgRow, planImport } from '../../domain/people/org';
import type { Employee } from '../../domain/platform/table';
import { employee, type HrisColumn, hrisRow } from '../support/fixtures';

/** Everyone here works in Oslo and joined on the same day, in the file and in the organisation alike. */
const COMMON = { timeZone: 'Europe/Oslo', startDate: '2024-01-15' };

let rowNo = 1;
/** A person's row of the HRIS export, with columns as `extra` writes them (bad values included). */
const row = (id: string, manager = '', extra: Partial<Record<HrisColumn, string>> = {}): OrgRow => ({
  row: ++rowNo,
  values: { ...hrisRow(employee(id, { ...COMMON, ...(manager ? { managerId: manager } : {}) })), ...extra },
});
const rows = (...r: OrgRow[]) => {
  rowNo = 1;
  return r.map((x, i) => ({ ...x, row: i + 2 }));
};

/** The same person as already stored: a row of theirs, unchanged, updates nothing. */
const existing = (id: string, managerId?: string, status: Employee['status'] = 'active'): Employee =>
  employee(id, { ...COMMON, ...(managerId ? { managerId } : {}), status });

const reasons = (plan: ReturnType<typeof planImport>) =>
  plan.errors.map((e) => `${e.row} ${e.field}: ${e.reason}`);

describe('planImport', () => {
  it('accepts a consistent organisation and plans every person as created', () => {
    const plan = planImport(rows(row('ceo'), row('vp', 'ceo'), row('ic', 'vp')), [], 'full');
    expect(plan.errors).toEqual([]);
    expect(plan.created).toEqual(['ceo', 'vp', 'ic']);
    expect(plan.valid.find((e) => e.employeeId === 'ic')).toMatchObject({
      managerId: 'vp',
      level: 3,
      status: 'active',
      startDate: '2024-01-15',
    });
  });

  it('reports an invalid email with its row number', () => {
    const plan = planImport(rows(row('a'), row('b', 'a', { email: 'not-an-email' })), [], 'full');
    expect(reasons(plan)).toEqual(['3 email: is not a valid email address']);
  });

  it('reports an unknown manager', () => {
    expect(reasons(planImport(rows(row('a', 'ghost')), [], 'full'))).toEqual([
      '2 manager_id: unknown manager "ghost"',
    ]);
  });

  it('accepts a manager who is already in the organisation on a partial import, but not on a full one', () => {
    const org = [existing('boss')];
    expect(planImport(rows(row('a', 'boss')), org, 'partial').errors).toEqual([]);
    expect(reasons(planImport(rows(row('a', 'boss')), org, 'full'))).toEqual([
      '2 manager_id: unknown manager "boss"',
    ]);
  });

  it('rejects a manager who has left', () => {
    expect(
      reasons(planImport(rows(row('a', 'gone')), [existing('gone', undefined, 'left')], 'partial')),
    ).toEqual(['2 manager_id: unknown manager "gone"']);
  });

  it('reports a management loop on every row in it, with the path', () => {
    const plan = planImport(rows(row('a', 'c'), row('b', 'a'), row('c', 'b')), [], 'full');
    expect(reasons(plan)).toEqual([
      '2 manager_id: management loop: a → c → b → a',
      '3 manager_id: management loop: b → a → c → b',
      '4 manager_id: management loop: c → b → a → c',
    ]);
  });

  it('reports someone who reports to themselves', () => {
    expect(reasons(planImport(rows(row('a', 'a')), [], 'full'))).toEqual([
      '2 manager_id: management loop: reports to themselves',
    ]);
  });

  it('finds a loop that closes through the existing organisation', () => {
    // In the table: y reports to x. The file makes x report to y.
    const plan = planImport(rows(row('x', 'y')), [existing('x'), existing('y', 'x')], 'partial');
    expect(reasons(plan)).toEqual(['2 manager_id: management loop: x → y → x']);
  });

  it('reports a duplicate id on its second row, naming the first', () => {
    expect(reasons(planImport(rows(row('a'), row('a')), [], 'full'))).toEqual([
      '3 employee_id: duplicate id (first on row 2)',
    ]);
  });

  it('reports an unknown time zone and refuses UTC offsets in its place', () => {
    const plan = planImport(
      rows(row('a', '', { time_zone: 'Europe/Atlantis' }), row('b', '', { time_zone: '+01:00' })),
      [],
      'full',
    );
    expect(reasons(plan)).toEqual([
      '2 time_zone: unknown time zone "Europe/Atlantis"',
      '3 time_zone: unknown time zone "+01:00"',
    ]);
    expect(isTimeZone('America/New_York')).toBe(true);
  });

  it('reports a bad date, including one that does not exist on the calendar', () => {
    const plan = planImport(
      rows(row('a', '', { start_date: '2024-02-30' }), row('b', '', { start_date: '15/01/2024' })),
      [],
      'full',
    );
    expect(reasons(plan)).toEqual([
      '2 start_date: bad date "2024-02-30" (expected YYYY-MM-DD)',
      '3 start_date: bad date "15/01/2024" (expected YYYY-MM-DD)',
    ]);
  });

  it('reports every problem of a row, and the reports of a bad row as well', () => {
    const plan = planImport(rows(row('m', '', { email: 'x', level: 'senior' }), row('r', 'm')), [], 'full');
    expect(reasons(plan)).toEqual([
      '2 email: is not a valid email address',
      '2 level: must be a whole number from 0 to 20',
      '3 manager_id: manager "m" is on invalid row 2',
    ]);
    expect(plan.valid).toEqual([]);
  });

  it('tells created, updated and unchanged people apart on a re-import', () => {
    const org = [existing('a'), existing('b')];
    const plan = planImport(
      rows(row('a'), row('b', '', { job_title: 'Senior Engineer' }), row('c')),
      org,
      'partial',
    );
    expect(plan).toMatchObject({ created: ['c'], updated: ['b'], unchanged: 1, leavers: [] });
  });

  it('marks people missing from a full import as leavers, never those already left', () => {
    const org = [existing('a'), existing('b'), existing('c', undefined, 'left')];
    expect(planImport(rows(row('a')), org, 'full').leavers).toEqual(['b']);
    expect(planImport(rows(row('a')), org, 'partial').leavers).toEqual([]);
  });
});
