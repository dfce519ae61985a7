import * as z from 'zod';
import { recordAudit } from '../platform/audit';
import { now } from '../platform/clock';
import { newId } from '../platform/ids';
import { logger } from '../platform/logger';
import {
  db,
  type Employee,
  isConditionFailure,
  nextRevision,
  revisionOf,
  stillAtRevision,
} from '../platform/table';
import { oneLineText } from '../platform/text';
import { CsvError, parseCsv } from './csv';
import {
  type ColumnMap,
  type ColumnUse,
  type DateOrder,
  exportOfCsv,
  exportOfObjects,
  type Mapping,
  mapColumns,
  ORG_COLUMNS,
  readRow,
  type ValueProblem,
} from './hris';

/*
 * The organisation: its employees, written by HR one by one or imported from an HRIS export.
 * Validation of an import is pure and whole-file: every bad row is reported with its row number and
 * reason before anything is written, so by default an import with any bad row writes nothing.
 * Re-import upserts by employee_id; in a full import, people missing from the file are marked left,
 * never deleted.
 */

/** The columns an import may leave out; every other one of ORG_COLUMNS it must have. */
const OPTIONAL_COLUMNS: readonly string[] = [
  'manager_id',
  'track',
  'department',
  'location',
  'start_date',
  'status',
];

/** A row of an import in our columns, with the problems reading its export's values found. */
export type OrgRow = { row: number; values: Record<string, string>; problems?: ValueProblem[] };
/** A bad row: the field at fault and why; `column` and `value` as the export wrote them. */
export type RowError = {
  row: number;
  employeeId?: string;
  field: string;
  column?: string;
  value?: string;
  reason: string;
};
export type ImportMode = 'full' | 'partial';

export const isTimeZone = (tz: string): boolean => {
  // Intl also takes offsets such as "+01:00"; an HRIS column must name a zone.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const isCalendarDate = (value: string): boolean => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
};

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalText = z.preprocess(blankToUndefined, oneLineText().max(200).optional());

export const OrgRowSchema = z.object({
  employee_id: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, dot, dash or underscore'),
  // Names reach email subjects and are matched against: one line, composed (../platform/text.ts).
  name: oneLineText().min(1, 'is required').max(200),
  email: z.string().trim().pipe(z.email('is not a valid email address')),
  manager_id: optionalText,
  job_title: oneLineText().min(1, 'is required').max(200),
  track: optionalText,
  level: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
    z
      .number({ error: 'must be a whole number from 0 to 20' })
      .int('must be a whole number from 0 to 20')
      .min(0)
      .max(20),
  ),
  department: optionalText,
  location: optionalText,
  time_zone: z
    .string()
    .trim()
    .refine(isTimeZone, { error: (i) => `unknown time zone "${String(i.input)}"` }),
  start_date: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .refine(isCalendarDate, { error: (i) => `bad date "${String(i.input)}" (expected YYYY-MM-DD)` })
      .optional(),
  ),
  status: z.preprocess(blankToUndefined, z.enum(['active', 'on-leave', 'left']).default('active')),
});

export type ImportPlan = {
  rows: number;
  valid: Employee[];
  errors: RowError[];
  created: string[];
  updated: string[];
  unchanged: number;
  leavers: string[];
};

const toEmployee = (r: z.infer<typeof OrgRowSchema>): Employee => ({
  employeeId: r.employee_id,
  name: r.name,
  email: r.email,
  ...(r.manager_id ? { managerId: r.manager_id } : {}),
  title: r.job_title,
  level: r.level,
  ...(r.department ? { department: r.department } : {}),
  ...(r.track ? { track: r.track } : {}),
  ...(r.location ? { location: r.location } : {}),
  ...(r.start_date ? { startDate: r.start_date } : {}),
  timeZone: r.time_zone,
  status: r.status,
});

const COMPARED = [
  'name',
  'email',
  'managerId',
  'title',
  'level',
  'department',
  'track',
  'location',
  'startDate',
  'timeZone',
  'status',
] as const;
const same = (a: Employee, b: Employee) => COMPARED.every((k) => (a[k] ?? undefined) === (b[k] ?? undefined));

/**
 * Plans an import: validates every row against the file and the current organisation, finds
 * management loops and unknown managers, and works out what would be created, updated and left.
 */
export const planImport = (rows: OrgRow[], existing: Employee[], mode: ImportMode): ImportPlan => {
  const errors: RowError[] = [];
  const parsed = new Map<string, { row: number; employee: Employee }>();
  // Rows that failed the schema still get their manager checked, so one pass reports everything.
  const unparsedManagers: Array<{ row: number; id?: string; managerId: string }> = [];
  const firstRow = new Map<string, number>();
  const bad = new Set<number>();

  for (const { row, values, problems = [] } of rows) {
    const result = OrgRowSchema.safeParse(values);
    const id = String(values.employee_id ?? '').trim() || undefined;
    if (problems.length || !result.success) {
      for (const p of problems) errors.push({ row, ...(id ? { employeeId: id } : {}), ...p });
      // A value that could not be read is reported once, as the reader put it.
      const read = new Set<string>(problems.map((p) => p.field));
      for (const issue of result.error?.issues.filter((i) => !read.has(String(i.path[0]))) ?? []) {
        errors.push({
          row,
          ...(id ? { employeeId: id } : {}),
          field: String(issue.path[0] ?? 'row'),
          reason: issue.message,
        });
      }
      bad.add(row);
      if (id && !firstRow.has(id)) firstRow.set(id, row);
      const m = String(values.manager_id ?? '').trim();
      if (m && !result.error?.issues.some((i) => i.path[0] === 'manager_id'))
        unparsedManagers.push({ row, ...(id ? { id } : {}), managerId: m });
      continue;
    }
    const seen = firstRow.get(result.data.employee_id);
    if (seen !== undefined) {
      errors.push({
        row,
        employeeId: result.data.employee_id,
        field: 'employee_id',
        reason: `duplicate id (first on row ${seen})`,
      });
      bad.add(row);
      continue;
    }
    firstRow.set(result.data.employee_id, row);
    parsed.set(result.data.employee_id, { row, employee: toEmployee(result.data) });
  }

  // Managers: in the file, or (partial import) already in the organisation and not left.
  const current = new Map(existing.map((e) => [e.employeeId, e]));
  const managerOf = new Map<string, string | undefined>();
  if (mode === 'partial') for (const e of existing) managerOf.set(e.employeeId, e.managerId);
  for (const [id, { employee }] of parsed) managerOf.set(id, employee.managerId);

  for (const [id, { row, employee }] of parsed) {
    const m = employee.managerId;
    if (!m) continue;
    if (m === id) {
      errors.push({
        row,
        employeeId: id,
        field: 'manager_id',
        reason: 'management loop: reports to themselves',
      });
      bad.add(row);
      continue;
    }
    const inFile = parsed.has(m) || firstRow.has(m);
    const known = mode === 'partial' && current.has(m) && current.get(m)?.status !== 'left';
    if (!inFile && !known) {
      errors.push({ row, employeeId: id, field: 'manager_id', reason: `unknown manager "${m}"` });
      bad.add(row);
    }
  }

  for (const { row, id, managerId } of unparsedManagers) {
    const known = mode === 'partial' && current.has(managerId) && current.get(managerId)?.status !== 'left';
    if (!firstRow.has(managerId) && !known) {
      errors.push({
        row,
        ...(id ? { employeeId: id } : {}),
        field: 'manager_id',
        reason: `unknown manager "${managerId}"`,
      });
    }
  }

  for (const [id, { row }] of parsed) {
    if (bad.has(row)) continue;
    const path = [id];
    for (let m = managerOf.get(id); m !== undefined; m = managerOf.get(m)) {
      if (m === id) {
        errors.push({
          row,
          employeeId: id,
          field: 'manager_id',
          reason: `management loop: ${[...path, id].join(' → ')}`,
        });
        bad.add(row);
        break;
      }
      if (path.includes(m) || path.length > parsed.size + existing.length) break;
      path.push(m);
    }
  }

  // A row whose manager's row is bad cannot be applied on its own: report it too, until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [id, { row, employee }] of parsed) {
      const m = employee.managerId;
      const managerRow = m ? (parsed.get(m)?.row ?? firstRow.get(m)) : undefined;
      if (!bad.has(row) && managerRow !== undefined && bad.has(managerRow)) {
        errors.push({
          row,
          employeeId: id,
          field: 'manager_id',
          reason: `manager "${m}" is on invalid row ${managerRow}`,
        });
        bad.add(row);
        changed = true;
      }
    }
  }

  const valid = [...parsed.values()].filter((p) => !bad.has(p.row)).map((p) => p.employee);
  const created = valid.filter((e) => !current.has(e.employeeId)).map((e) => e.employeeId);
  const updated = valid.filter(
    (e) => current.has(e.employeeId) && !same(e, current.get(e.employeeId) as Employee),
  );
  const leavers =
    mode === 'full'
      ? existing.filter((e) => e.status !== 'left' && !firstRow.has(e.employeeId)).map((e) => e.employeeId)
      : [];
  return {
    rows: rows.length,
    valid,
    errors: errors.sort((a, b) => a.row - b.row),
    created,
    updated: updated.map((e) => e.employeeId),
    unchanged: valid.length - created.length - updated.length,
    leavers,
  };
};

export const loadOrganisation = async (): Promise<Employee[]> =>
  (await db().employee.query.everyone({}).go({ pages: 'all' })).data;

/**
 * A record from the HRIS replaces the stored one whole; what growcycle learned on its own (an
 * address that bounces) is kept while the address stays the same, and dropped when HR changes it.
 */
export const withKnownState = (incoming: Employee, stored: Employee | undefined): Employee => {
  // An HRIS still holds a pseudonymised leaver's name and address: an import never brings them back.
  if (stored?.pseudonymisedAt) return stored;
  const { leftAt: _given, pseudonymisedAt: _also, ...rest } = incoming;
  // A leaver's date is the first write that said so, kept however often they are imported again.
  const leftAt = rest.status === 'left' ? (stored?.leftAt ?? now().toISOString()) : undefined;
  return {
    ...rest,
    ...(leftAt ? { leftAt } : {}),
    ...(stored?.emailProblem && stored.email === incoming.email ? { emailProblem: stored.emailProblem } : {}),
  };
};

/**
 * What follows a change of reporting lines, given the records as they were before a write and as
 * written (the reviews' manager steps, domain/reviews/manager-change.ts; a draft plan's manager
 * agreement, domain/plans/agreement.ts). The HRIS is the source of truth for reporting lines, so
 * every path that writes employees calls it.
 */
export type FollowManagerChanges = (
  before: Map<string, Employee>,
  after: Employee[],
  actor: string,
) => Promise<{ moved: string[] }>;

/** The stored employees among these ids, and the ids that name nobody. */
export const missingEmployees = async (ids: string[]): Promise<{ found: Employee[]; missing: string[] }> => {
  const found = await employeesByIds(ids);
  const byId = new Set(found.map((e) => e.employeeId));
  return { found, missing: ids.filter((i) => !byId.has(i)) };
};

const employeesByIds = async (ids: string[]): Promise<Employee[]> => {
  // Strongly consistent: a write's conditions and a caller's revision are checked against this read.
  const { data, unprocessed } = await db()
    .employee.get(ids.map((employeeId) => ({ employeeId })))
    .go({ concurrency: 4, consistent: true });
  if (unprocessed.length) throw new Error('DynamoDB left keys unprocessed');
  return data;
};

/** A record as a write leaves it, and the record that write read first (none: a new person). */
type EmployeeWrite = { next: Employee; read: Employee | undefined };

/** How many conditional writes are in flight at once: DynamoDB batches take no conditions. */
const WRITES_AT_ONCE = 25;

/**
 * Writes each record on condition that it is still as it was read: a new person only if absent, a
 * stored one only at the revision read. A record another write changed meanwhile (HR, an import, a
 * pseudonymisation, a bounce) is left as that write made it and comes back as a conflict, so no
 * writer silently undoes another. Records the write would leave as they are (a pseudonymised
 * leaver) are not written.
 */
export const writeEmployees = async (
  writes: EmployeeWrite[],
): Promise<{ written: Employee[]; conflicts: string[] }> => {
  const { employee } = db();
  const written: Employee[] = [];
  const conflicts: string[] = [];
  const write = async ({ next, read }: EmployeeWrite) => {
    if (next === read) return;
    const item = { ...next, revision: nextRevision(read) };
    try {
      if (!read) await employee.create(item).go();
      else
        await employee
          .put(item)
          .where((a, op) => stillAtRevision(op, a.revision, read))
          .go();
      written.push(item);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      conflicts.push(next.employeeId);
    }
  };
  for (let i = 0; i < writes.length; i += WRITES_AT_ONCE)
    await Promise.all(writes.slice(i, i + WRITES_AT_ONCE).map(write));
  return { written, conflicts };
};

export type UpsertOutcome =
  | { outcome: 'written'; movedRequests: string[] }
  /** A revision sent is not the stored one: nothing was written. */
  | { outcome: 'stale'; employeeIds: string[] }
  /** Another write changed these records while this one ran: they were not written, the rest were. */
  | { outcome: 'conflict'; employeeIds: string[]; written: number; movedRequests: string[] };

/**
 * Writes employees (PUT /employees), each made from the revision its caller read when it sends one,
 * lets what depends on reporting lines follow, and records the write in the organisation's audit
 * trail.
 */
export const upsertEmployees = async (
  people: Array<Employee & { revision?: number | undefined }>,
  actor: string,
  followManagerChanges: FollowManagerChanges,
): Promise<UpsertOutcome> => {
  const ids = people.map((p) => p.employeeId);
  const before = new Map((await employeesByIds(ids)).map((e) => [e.employeeId, e]));
  const isStale = ({ employeeId, revision }: { employeeId: string; revision?: number | undefined }) => {
    const stored = before.get(employeeId);
    // A record stored before revisions were counted is at its first.
    return revision !== undefined && (!stored || revision !== revisionOf(stored));
  };
  const stale = people.filter(isStale).map((p) => p.employeeId);
  if (stale.length) return { outcome: 'stale', employeeIds: stale };
  const { written, conflicts } = await writeEmployees(
    people.map(({ revision: _read, ...p }) => ({
      next: withKnownState(p, before.get(p.employeeId)),
      read: before.get(p.employeeId),
    })),
  );
  const kept = new Set(conflicts);
  const { moved } = await followManagerChanges(
    before,
    people.filter((p) => !kept.has(p.employeeId)),
    actor,
  );
  if (written.length)
    await recordAudit('org', actor, 'employees.upserted', {
      ids: written.map((e) => e.employeeId).slice(0, 1000),
    });
  return conflicts.length
    ? { outcome: 'conflict', employeeIds: conflicts, written: written.length, movedRequests: moved }
    : { outcome: 'written', movedRequests: moved };
};

/**
 * Writes what a plan says: new and changed people, leavers marked left, one audit event. People
 * another write changed since the plan read them are not written: their ids come back.
 */
export const applyImport = async (
  plan: ImportPlan,
  existing: Employee[],
  actor: string,
  followManagerChanges: FollowManagerChanges,
): Promise<{ conflicts: string[] }> => {
  const { audit } = db();
  const changed = new Set([...plan.created, ...plan.updated]);
  const current = new Map(existing.map((e) => [e.employeeId, e]));
  const { conflicts } = await writeEmployees([
    ...plan.valid
      .filter((e) => changed.has(e.employeeId))
      .map((e) => ({ next: withKnownState(e, current.get(e.employeeId)), read: current.get(e.employeeId) })),
    ...plan.leavers.map((id) => ({
      next: withKnownState({ ...(current.get(id) as Employee), status: 'left' }, current.get(id)),
      read: current.get(id),
    })),
  ]);
  const kept = new Set(conflicts);
  const done = (ids: string[]) => ids.filter((id) => !kept.has(id));
  await audit
    .create({
      entityKey: 'org',
      at: now().toISOString(),
      eventId: newId(),
      actor,
      action: 'org.imported',
      details: {
        created: done(plan.created).length,
        updated: done(plan.updated).length,
        left: done(plan.leavers).length,
        createdIds: done(plan.created).slice(0, 1000),
        updatedIds: done(plan.updated).slice(0, 1000),
        leftIds: done(plan.leavers).slice(0, 1000),
        ...(conflicts.length ? { conflicts: conflicts.length } : {}),
      },
    })
    .go();
  // After the org is written, so the new managers' own records (and their managers) are in place.
  const updated = new Set(done(plan.updated));
  await followManagerChanges(
    current,
    plan.valid.filter((e) => updated.has(e.employeeId)),
    actor,
  );
  return { conflicts };
};

/** An import as HR sends it: a CSV file, or rows of column → value, and how to read them. */
export type ImportRequest = {
  mode: ImportMode;
  dryRun: boolean;
  skipInvalid: boolean;
  csv?: string | undefined;
  rows?: Array<Record<string, string | number | boolean | null>> | undefined;
  /** The export's own header names → our fields, over the names recognised on their own. */
  map?: ColumnMap | undefined;
  /** How to read a date such as 03/04/2024, which the numbers alone do not tell. */
  dateOrder?: DateOrder | undefined;
};

export type ImportCounts = {
  rows: number;
  valid: number;
  invalid: number;
  created: number;
  updated: number;
  unchanged: number;
  left: number;
};

export type ImportReport = {
  dryRun: boolean;
  applied: boolean;
  counts: ImportCounts;
  errors: RowError[];
  /** People another write changed while the import ran: not written; importing again writes them. */
  conflicts?: string[];
};

/** Why a file could not be read at all: nothing in it is looked at row by row. */
export type Unreadable =
  | { outcome: 'bad-csv'; message: string }
  | { outcome: 'bad-mapping'; problems: string[] }
  | { outcome: 'missing-columns'; columns: string[] };

export type ImportOutcome =
  | Unreadable
  /** Rows were invalid, none skipped and it was no dry run: nothing was written. */
  | { outcome: 'rejected'; report: ImportReport }
  | { outcome: 'reported'; report: ImportReport }
  /** Some people changed under the import: the rest were written, these were not. */
  | { outcome: 'conflict'; report: ImportReport & { conflicts: string[] } };

type Prepared = {
  outcome: 'prepared';
  rows: OrgRow[];
  mapping: Mapping;
  cells: Map<number, Record<string, string>>;
};

/** Reads an export: its columns mapped, each row's values read; or why the file cannot be read. */
const prepareImport = (request: ImportRequest): Unreadable | Prepared => {
  let source: ReturnType<typeof exportOfCsv>;
  try {
    source =
      request.csv !== undefined ? exportOfCsv(parseCsv(request.csv)) : exportOfObjects(request.rows ?? []);
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    return { outcome: 'bad-csv', message: error.message };
  }
  const mapped = mapColumns(source.headers, request.map);
  if (!mapped.ok) return { outcome: 'bad-mapping', problems: mapped.problems };
  const { mapping } = mapped;
  const columns = ORG_COLUMNS.filter(
    (c) => !OPTIONAL_COLUMNS.includes(c) && source.rows.length > 0 && mapping.headerOf[c] === undefined,
  );
  if (columns.length) return { outcome: 'missing-columns', columns };
  const today = now().toISOString().slice(0, 10);
  const rows = source.rows.map(({ row, cells }) => {
    const { values, problems } = readRow(cells, mapping, { dateOrder: request.dateOrder, today });
    return { row, values: values as Record<string, string>, problems };
  });
  return { outcome: 'prepared', rows, mapping, cells: new Map(source.rows.map((r) => [r.row, r.cells])) };
};

/** Each error with the column and value of the export it came from. */
const asWritten = (errors: RowError[], { mapping, cells }: Prepared): RowError[] =>
  errors.map((e) => {
    const column = e.column ?? mapping.headerOf[e.field as keyof Mapping['headerOf']];
    if (column === undefined) return e;
    return { ...e, column, value: e.value ?? cells.get(e.row)?.[column] ?? '' };
  });

const countsOf = (plan: ImportPlan): ImportCounts => ({
  rows: plan.rows,
  valid: plan.valid.length,
  invalid: plan.rows - plan.valid.length,
  created: plan.created.length,
  updated: plan.updated.length,
  unchanged: plan.unchanged,
  left: plan.leavers.length,
});

/**
 * Imports the organisation: plans the import, writes it unless it is a dry run or a row is invalid
 * (unless invalid rows are to be skipped), and reports what it found and did.
 */
export const importOrganisation = async (
  request: ImportRequest,
  actor: string,
  followManagerChanges: FollowManagerChanges,
): Promise<ImportOutcome> => {
  const { mode, dryRun, skipInvalid } = request;
  const prepared = prepareImport(request);
  if (prepared.outcome !== 'prepared') return prepared;
  const existing = await loadOrganisation();
  const plan = planImport(prepared.rows, existing, mode);
  const apply = !dryRun && (plan.errors.length === 0 || skipInvalid);
  const { conflicts } = apply
    ? await applyImport(plan, existing, actor, followManagerChanges)
    : { conflicts: [] };
  logger.info('org import', {
    rows: plan.rows,
    errors: plan.errors.length,
    applied: apply,
    mode,
    conflicts: conflicts.length,
  });
  const report: ImportReport = {
    dryRun,
    applied: apply,
    counts: countsOf(plan),
    errors: asWritten(plan.errors, prepared),
  };
  if (conflicts.length) return { outcome: 'conflict', report: { ...report, conflicts } };
  return { outcome: plan.errors.length && !apply && !dryRun ? 'rejected' : 'reported', report };
};

/** Our column each compared field of an employee is imported from. */
const COLUMN_OF: Record<(typeof COMPARED)[number], string> = {
  name: 'name',
  email: 'email',
  managerId: 'manager_id',
  title: 'job_title',
  level: 'level',
  department: 'department',
  track: 'track',
  location: 'location',
  startDate: 'start_date',
  timeZone: 'time_zone',
  status: 'status',
};

export type FieldChange = { field: string; from?: string | number; to?: string | number };

/** What an import would do with one row: its action, the fields it changes, its problems. */
export type PreviewRow = {
  row: number;
  employeeId?: string;
  action: 'new' | 'changed' | 'leaver' | 'invalid';
  changes?: FieldChange[];
  problems: RowError[];
};

export type ImportPreview = {
  columns: ColumnUse[];
  counts: ImportCounts;
  /** Every row that would change something or has a problem, in file order; the rest are unchanged. */
  rows: PreviewRow[];
  /** A full import: the people missing from the file, who would be marked left. */
  leavers: string[];
};

/** What an import would do, row by row, writing nothing. */
export const previewImport = async (
  request: Omit<ImportRequest, 'dryRun' | 'skipInvalid'>,
): Promise<Unreadable | { outcome: 'preview'; preview: ImportPreview }> => {
  const prepared = prepareImport({ ...request, dryRun: true, skipInvalid: false });
  if (prepared.outcome !== 'prepared') return prepared;
  const existing = await loadOrganisation();
  const plan = planImport(prepared.rows, existing, request.mode);
  const current = new Map(existing.map((e) => [e.employeeId, e]));
  const incoming = new Map(plan.valid.map((e) => [e.employeeId, e]));
  const errors = asWritten(plan.errors, prepared);
  const rows: PreviewRow[] = [];
  for (const { row, values } of prepared.rows) {
    const id = String(values.employee_id ?? '').trim() || undefined;
    const problems = errors.filter((e) => e.row === row);
    const base = { row, ...(id ? { employeeId: id } : {}) };
    if (problems.length) {
      rows.push({ ...base, action: 'invalid', problems });
      continue;
    }
    const after = id === undefined ? undefined : incoming.get(id);
    const before = id === undefined ? undefined : current.get(id);
    if (!after) continue;
    if (!before) {
      rows.push({ ...base, action: 'new', problems: [] });
      continue;
    }
    const changes = COMPARED.filter((k) => (before[k] ?? undefined) !== (after[k] ?? undefined)).map((k) => ({
      field: COLUMN_OF[k],
      ...(before[k] !== undefined ? { from: before[k] } : {}),
      ...(after[k] !== undefined ? { to: after[k] } : {}),
    }));
    if (!changes.length) continue;
    const leaving = after.status === 'left' && before.status !== 'left';
    rows.push({ ...base, action: leaving ? 'leaver' : 'changed', changes, problems: [] });
  }
  logger.info('org import preview', { rows: plan.rows, errors: plan.errors.length, mode: request.mode });
  return {
    outcome: 'preview',
    preview: { columns: prepared.mapping.columns, counts: countsOf(plan), rows, leavers: plan.leavers },
  };
};

/** One employee by id, or undefined when there is none. */
export const employeeById = async (employeeId: string): Promise<Employee | undefined> =>
  (await db().employee.get({ employeeId }).go()).data ?? undefined;

/** The people who report to a manager directly, leavers left out. */
export const directReports = async (managerId: string): Promise<Employee[]> =>
  (await db().employee.query.byManager({ managerId }).go({ pages: 'all' })).data.filter(
    (e) => e.status !== 'left',
  );
/** One page of the whole organisation by employee id, for HR's org chart and the CLI. */
export const employeesPage = async (options: { limit: number; cursor?: string | undefined }) => {
  const page = await db()
    .employee.query.everyone({})
    .go({ limit: options.limit, cursor: options.cursor ?? null });
  return { employees: page.data, cursor: page.cursor ?? undefined };
};
